using System.Globalization;
using System.Text.Json;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// `probes trace` against the interoperability peer: both tracers attached to the same process
/// at the same time must see the same hits with the same decoded arguments, in the same order.
/// </summary>
[TestClass]
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
        ulong semaphore = ProbesBinary.ListJson(TraceFixtures.Python).Single(p => p.Name == "function__entry").SemaphoreOffset;

        (List<string> ours, List<string> theirs) = TraceBoth(
            python,
            ["trace", "--pid", $"{python.Pid}", "--probe", "python:function__entry", "--str", "0", "--str", "1", "--json"],
            $"usdt:{TraceFixtures.Python}:python:function__entry {{ printf(\"%s|%s|%d\\n\", str(arg0), str(arg1), arg2); }}",
            bpftrace,
            semaphoreFile: TraceFixtures.Python,
            semaphoreOffset: semaphore,
            args => $"{args[0].GetString()}|{args[1].GetString()}|{args[2].GetInt64()}");

        Assert.IsTrue(ours.Count > 10, $"expected function__entry hits from the imports, got {ours.Count}");
        CollectionAssert.AreEqual(theirs, ours);
    }

    [TestMethod]
    public void Libstdcxx_throw_events_equal_bpftrace()
    {
        string bpftrace = Requirements.RootWithBpftrace();
        Requirements.Tool("g++");
        using var fixture = new LiveProcess(TraceFixtures.ThrowCatch, []);
        fixture.WaitForStdout("waiting", Timeout);
        ulong semaphore = ProbesBinary.ListJson(TraceFixtures.ThrowCatch).Single(p => p.Name == "ready").SemaphoreOffset;

        (List<string> ours, List<string> theirs) = TraceBoth(
            fixture,
            ["trace", "--pid", $"{fixture.Pid}", "--probe", "libstdcxx:throw", "--probe", "fixture:ready", "--json"],
            // The ready probe comes last, so its semaphore rises after throw is attached.
            $"usdt:{TraceFixtures.LibStdCxx}:libstdcxx:throw {{ printf(\"%lu|%lu\\n\", arg0, arg1); }}\n" +
            $"usdt:{TraceFixtures.ThrowCatch}:fixture:ready {{ }}",
            bpftrace,
            semaphoreFile: TraceFixtures.ThrowCatch,
            semaphoreOffset: semaphore,
            args => $"{args[0].GetUInt64()}|{args[1].GetUInt64()}");

        Assert.AreEqual(6, ours.Count, "six exceptions were thrown");
        Assert.AreEqual(3, ours.Select(line => line.Split('|')[1]).Distinct().Count(), "three exception types: three typeinfo pointers");
        CollectionAssert.AreEqual(theirs, ours);
        StringAssert.Contains(string.Join('\n', fixture.Stdout), "caught 6");
    }

    /// <summary>
    /// Attaches both tracers, waits until the target's semaphore shows both (ref count 2), lets
    /// the target run by writing a line to its stdin, and returns each tracer's lines.
    /// </summary>
    private static (List<string> Ours, List<string> Theirs) TraceBoth(
        LiveProcess target, string[] probesArgs, string bpftraceScript, string bpftrace, string semaphoreFile, ulong semaphoreOffset, Func<JsonElement[], string> format)
    {
        var bpftraceEnvironment = new Dictionary<string, string> { ["BPFTRACE_STRLEN"] = "200" };
        using var ours = new LiveProcess(TestPaths.ProbesExecutable, probesArgs);
        using var theirs = new LiveProcess(bpftrace, ["-p", $"{target.Pid}", "-e", bpftraceScript], bpftraceEnvironment);
        ours.WaitForStderr("attached", Timeout);
        LiveProcess.WaitUntil(() => target.ReadMappedUInt16(semaphoreFile, semaphoreOffset) == 2, Timeout, "both tracers raised the semaphore");

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
