using System.ComponentModel;
using System.Diagnostics;
using Probes.Consumer.Targets;
using Probes.Consumer.Tracing.Run;

namespace Probes.Consumer.Cli;

/// <summary>
/// The command of <c>probes phases -- CMD [ARGS]</c>, started once the tracer is attached. It
/// inherits stdin, stdout, stderr and the terminal (and with them the terminal's signals: Ctrl-C
/// reaches it as it reaches us), runs with <c>PROBES_LIBRARY</c> set to the attached shim, and
/// its exit stops the trace. A SIGTERM sent to probes alone is passed on to it.
/// </summary>
internal sealed class CommandUnderTrace : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exitCode = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CommandUnderTrace(Process process)
    {
        _process = process;
        Pid = process.Id;
    }

    public int Pid { get; }

    public static CommandUnderTrace Start(IReadOnlyList<string> command, string shim, TraceStop stop)
    {
        var start = new ProcessStartInfo(command[0]) { UseShellExecute = false };
        foreach (string argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["PROBES_LIBRARY"] = shim;
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new TargetNotFoundException($"cannot start '{command[0]}'");
        }
        catch (Win32Exception e)
        {
            throw new TargetNotFoundException($"cannot start '{command[0]}': {e.Message}");
        }
        var running = new CommandUnderTrace(process);
        // The only thread that touches the Process after its start. Process is not thread-safe: with
        // a second thread reading ExitCode as the child ended, one could see it exited before its
        // code was stored (a SIGTERM passed on came back as exit code 0 in 3 of 30 runs), and a
        // disposal by the caller could meet this thread still reading it.
        var watcher = new Thread(() =>
        {
            process.WaitForExit();
            int exitCode = process.ExitCode;
            stop.Stop($"command exited with code {exitCode}");
            // Last: once the code is known the caller may dispose the stop and the process.
            running._exitCode.SetResult(exitCode);
        })
        { IsBackground = true, Name = "command exit" };
        watcher.Start();
        return running;
    }

    /// <summary>Waits for the command to end (passing on a SIGTERM probes received) and returns its exit code (128 + N for signal N).</summary>
    public int WaitForExit(string? stopReason)
    {
        if (!_exitCode.Task.IsCompleted && stopReason == "terminated")
        {
            CommandSignals.Terminate(Pid);
        }
        return _exitCode.Task.GetAwaiter().GetResult();
    }

    /// <summary>Once <see cref="WaitForExit"/> returned: the watcher is done with the process.</summary>
    public void Dispose() => _process.Dispose();
}

/// <summary>kill(2), for passing a SIGTERM on to the command.</summary>
internal static partial class CommandSignals
{
    private const int SigTerm = 15;

    public static void Terminate(int pid) => _ = Kill(pid, SigTerm);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
