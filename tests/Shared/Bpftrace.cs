namespace Probes.Testing;

/// <summary>
/// bpftrace, the interoperability peer every Kernel test compares with: run once until its
/// script's exit() (<see cref="TraceUntilExit"/>), or beside our own tracer (<see cref="BpftracePeer"/>).
/// </summary>
public static class Bpftrace
{
    /// <summary>
    /// Runs <paramref name="script"/> against <paramref name="pid"/> until bpftrace stops by itself (an
    /// <c>exit()</c> in the script, or the process ending); fails unless it exits 0. What it printed.
    /// </summary>
    public static ProcessResult TraceUntilExit(string bpftrace, int pid, string script, TimeSpan timeout) =>
        ProcessRunner.Run(bpftrace, ["-p", $"{pid}", "-e", script], timeout).EnsureSuccess("bpftrace");
}

/// <summary>
/// bpftrace running a script beside our tracer. It is ready when its BEGIN block has printed
/// READY: bpftrace runs BEGIN only after every probe is attached.
/// </summary>
public sealed class BpftracePeer : IDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan QuietTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan LinesLimit = TimeSpan.FromMinutes(5);

    /// <summary>Starts bpftrace (line-buffered) on <paramref name="probes"/>, for <paramref name="pid"/> only when given, and waits until it is ready.</summary>
    public BpftracePeer(string bpftrace, string probes, IDictionary<string, string>? environment = null, int? pid = null)
    {
        string[] target = pid is int only ? ["-p", $"{only}"] : [];
        Process = new LiveProcess(bpftrace, ["-B", "line", .. target, "-e", "BEGIN { printf(\"READY\\n\"); }\n" + probes], environment);
        Process.WaitForStdout("READY", ReadyTimeout);
    }

    /// <summary>The bpftrace process: its output, its exit, signals to stop it.</summary>
    public LiveProcess Process { get; }

    /// <summary>
    /// The printed lines that start with <paramref name="prefix"/>, once <paramref name="count"/>
    /// of them arrived, or what arrived when nothing new came for 10 s (bpftrace prints
    /// asynchronously, so it can trail our own reader).
    /// </summary>
    public List<string> Lines(string prefix, int count)
    {
        List<string> Matching() => Process.Stdout.Where(line => line.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        var quiet = System.Diagnostics.Stopwatch.StartNew();
        int seen = -1;
        bool EnoughOrQuiet()
        {
            int now = Matching().Count;
            if (now != seen)
            {
                seen = now;
                quiet.Restart();
            }
            return now >= count || quiet.Elapsed > QuietTimeout;
        }
        Wait.Until(EnoughOrQuiet, LinesLimit, $"bpftrace printed {count} '{prefix}' lines or went quiet");
        return Matching();
    }

    public void Dispose() => Process.Dispose();
}
