using System.Diagnostics;

namespace Probes.Consumer.Tests.Support;

/// <summary>
/// bpftrace running a script beside our tracer, as the interoperability peer. It is ready when
/// its BEGIN block has printed READY: bpftrace runs BEGIN only after every probe is attached.
/// </summary>
public sealed class BpftracePeer : IDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan QuietTimeout = TimeSpan.FromSeconds(10);
    private readonly LiveProcess _process;

    public BpftracePeer(string bpftrace, string probes, IDictionary<string, string>? environment = null)
    {
        _process = new LiveProcess(bpftrace, ["-B", "line", "-e", "BEGIN { printf(\"READY\\n\"); } " + probes], environment);
        _process.WaitForStdout("READY", ReadyTimeout);
    }

    /// <summary>
    /// The printed lines that start with <paramref name="prefix"/>, once <paramref name="count"/>
    /// of them arrived, or what arrived when nothing new came for 10 s (bpftrace prints
    /// asynchronously, so it can trail our own reader).
    /// </summary>
    public List<string> Lines(string prefix, int count)
    {
        List<string> Matching() => _process.Stdout.Where(line => line.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        var quiet = Stopwatch.StartNew();
        int seen = -1;
        while (true)
        {
            List<string> lines = Matching();
            if (lines.Count >= count || quiet.Elapsed > QuietTimeout)
            {
                return lines;
            }
            if (lines.Count != seen)
            {
                seen = lines.Count;
                quiet.Restart();
            }
            Thread.Sleep(50);
        }
    }

    public void Dispose() => _process.Dispose();
}
