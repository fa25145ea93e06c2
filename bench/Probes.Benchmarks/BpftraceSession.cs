using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Probes.Benchmarks;

/// <summary>
/// bpftrace counting the probes of one libprobes.so in one process: the cheapest action a
/// tracer can take (a per-CPU map increment, nothing sent to user space per event), so what
/// is measured is the probe, not the tracer's output path.
/// </summary>
/// <remarks>
/// It attaches with <c>-p PID</c>. bpftrace 0.17 then opens each uprobe for that process
/// with the semaphore's offset (perf uprobe <c>ref_ctr_offset</c>), so the kernel raises the
/// semaphores in this process only and lowers them when bpftrace exits, even on SIGKILL
/// (tried here). The file-level form (no <c>-p</c>) works the same way but raises them in
/// every process that maps the file.
/// </remarks>
internal sealed partial class BpftraceSession : IDisposable
{
    private const int SigInt = 2;

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private BpftraceSession(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static string Program(string library, bool withContext = false) =>
        $"usdt:{library}:probes:phase_begin {{ @phase_begin = count(); }} " +
        $"usdt:{library}:probes:phase_end {{ @phase_end = count(); }} " +
        $"usdt:{library}:probes:mark {{ @mark = count(); }}" +
        (withContext ? $" usdt:{library}:probes:phase_context {{ @phase_context = count(); }}" : "");

    /// <summary>
    /// Starts bpftrace against <paramref name="pid"/> and waits until <paramref name="attached"/>
    /// holds (the semaphores the benchmark needs are raised).
    /// </summary>
    /// <param name="withContext">Also count ABI v2's phase_context, which raises its semaphore too.</param>
    public static BpftraceSession Start(string library, int pid, Func<bool> attached, TimeSpan timeout, bool withContext = false)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("BPFTRACE") ?? "bpftrace")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-p");
        start.ArgumentList.Add(pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add(Program(library, withContext));

        var session = new BpftraceSession(Process.Start(start) ?? throw new InvalidOperationException("bpftrace did not start"));
        var clock = Stopwatch.StartNew();
        while (!attached())
        {
            if (session._process.HasExited)
            {
                throw new InvalidOperationException($"bpftrace exited with {session._process.ExitCode} before attaching:\n{session.Output}");
            }
            if (clock.Elapsed > timeout)
            {
                session.Dispose();
                throw new InvalidOperationException($"the semaphores of {library} were not raised within {timeout.TotalSeconds} s of starting bpftrace; refusing to measure an 'enabled' probe:\n{session.Output}");
            }
            Thread.Sleep(20);
        }
        Console.WriteLine($"// probes: bpftrace (pid {session._process.Id}) raised the semaphores after {clock.ElapsedMilliseconds} ms");
        return session;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Stops bpftrace with SIGINT, which makes it print its maps, and returns them.</summary>
    public IReadOnlyDictionary<string, long> Stop()
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, SigInt);
            if (!_process.WaitForExit(TimeSpan.FromSeconds(15)))
            {
                _process.Kill();
                throw new InvalidOperationException($"bpftrace did not exit on SIGINT:\n{Output}");
            }
        }
        _process.WaitForExit(); // drains the redirected streams
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (Match m in MapLine().Matches(Output))
        {
            counts[m.Groups[1].Value] = long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        }
        return counts;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    [GeneratedRegex(@"^@(\w+): (\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex MapLine();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
