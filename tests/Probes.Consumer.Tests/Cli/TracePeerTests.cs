using System.Globalization;
using System.Text.Json;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// `probes trace` against the interoperability peer: both tracers attached to the same process
/// at the same time must see the same hits with the same decoded arguments, in the same order.
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Kernel")]
[DoNotParallelize]
public sealed class TracePeerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [TestMethod]
    public void Python_function_entry_events_equal_bpftrace()
    {
        string bpftrace = Requirements.RootWithBpftrace();
        if (!File.Exists(TraceFixtures.Python))
        {
            Assert.Inconclusive($"needs {TraceFixtures.Python} (Debian's python3.11, which carries stapsdt probes)");
        }
        // Module-level code of these imports fires function__entry on Debian's 3.11.
        using var python = new LiveProcess(TraceFixtures.Python, ["-c", "import sys; sys.stdin.readline(); import fractions, statistics, json"]);

        (List<string> ours, List<string> theirs) = TraceBoth(
            python,
            ["trace", "--pid", $"{python.Pid}", "--probe", "python:function__entry", "--str", "0", "--str", "1", "--json"],
            $"usdt:{TraceFixtures.Python}:python:function__entry {{ printf(\"%s|%s|%d\\n\", str(arg0), str(arg1), arg2); }}",
            bpftrace,
            args => $"{args[0].GetString()}|{args[1].GetString()}|{args[2].GetInt64()}");

        Assert.IsTrue(ours.Count > 0, "the imports fired no function__entry");
        CollectionAssert.AreEqual(theirs, ours);
    }

    [TestMethod]
    public void Libstdcxx_throw_events_equal_bpftrace()
    {
        string bpftrace = Requirements.RootWithBpftrace();
        Requirements.Tool("g++");
        using var fixture = new LiveProcess(TraceFixtures.ThrowCatch, []);
        fixture.WaitForStdout("waiting", Timeout);

        (List<string> ours, List<string> theirs) = TraceBoth(
            fixture,
            ["trace", "--pid", $"{fixture.Pid}", "--probe", "libstdcxx:throw", "--json"],
            $"usdt:\"{TraceFixtures.LibStdCxx}\":libstdcxx:throw {{ printf(\"%lu|%lu\\n\", arg0, arg1); }}",
            bpftrace,
            args => $"{args[0].GetUInt64()}|{args[1].GetUInt64()}");

        Assert.AreEqual(6, ours.Count, "six exceptions were thrown");
        Assert.AreEqual(3, ours.Select(line => line.Split('|')[1]).Distinct().Count(), "three exception types: three typeinfo pointers");
        CollectionAssert.AreEqual(theirs, ours);
        StringAssert.Contains(string.Join('\n', fixture.Stdout), "caught 6");
    }

    /// <summary>
    /// Attaches both tracers (ours says "attached" once every uprobe is in; bpftrace runs BEGIN
    /// only after attaching), lets the target run by writing a line to its stdin, and returns
    /// each tracer's lines. The kernel counts a semaphore once per uprobe and process, not per
    /// tracer, so the semaphore cannot tell that both are there.
    /// </summary>
    private static (List<string> Ours, List<string> Theirs) TraceBoth(
        LiveProcess target, string[] probesArgs, string bpftraceScript, string bpftrace, Func<JsonElement[], string> format)
    {
        // bpftrace keeps strings on its 512-byte BPF stack: 128 bytes each fits two of them.
        var bpftraceEnvironment = new Dictionary<string, string> { ["BPFTRACE_STRLEN"] = "128" };
        using var ours = new LiveProcess(TestPaths.ProbesExecutable, probesArgs);
        using var peer = new BpftracePeer(bpftrace, bpftraceScript, bpftraceEnvironment, target.Pid);
        LiveProcess theirs = peer.Process;
        ours.WaitForStderr("attached", Timeout);

        target.StandardInput.WriteLine("go");
        target.StandardInput.Flush();
        target.WaitForExit(Timeout);
        Assert.AreEqual(0, target.ExitCode, "the traced process must run as without tracers");

        // Both stop by themselves when the traced process is gone, after draining their buffers.
        ours.WaitForExit(Timeout);
        theirs.WaitForExit(Timeout);
        Assert.AreEqual(0, ours.ExitCode, string.Join('\n', ours.Stderr));
        StringAssert.Contains(ours.Stderr[^1], " 0 lost");

        List<string> ourLines = ours.Stdout.Select(line =>
        {
            using JsonDocument json = JsonDocument.Parse(line);
            Assert.AreEqual(target.Pid, json.RootElement.GetProperty("pid").GetInt32());
            return (Probe: json.RootElement.GetProperty("probe").GetString(), Text: format(json.RootElement.GetProperty("args").EnumerateArray().ToArray()));
        }).Where(e => e.Probe != "fixture:ready").Select(e => e.Text).ToList();
        List<string> theirLines = theirs.Stdout.Where(line => line.Contains('|', StringComparison.Ordinal)).ToList();
        return (ourLines, theirLines);
    }
}
