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

    private CommandUnderTrace(Process process) => _process = process;

    public int Pid => _process.Id;

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
        var watcher = new Thread(() =>
        {
            process.WaitForExit();
            stop.Stop($"command exited with code {process.ExitCode}");
        })
        { IsBackground = true, Name = "command exit" };
        watcher.Start();
        return running;
    }

    /// <summary>Waits for the command to end (passing on a SIGTERM probes received) and returns its exit code (128 + N for signal N).</summary>
    public int WaitForExit(string? stopReason)
    {
        if (!_process.HasExited && stopReason == "terminated")
        {
            CommandSignals.Terminate(_process.Id);
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

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
