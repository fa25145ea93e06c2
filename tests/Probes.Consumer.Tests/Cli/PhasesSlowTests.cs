using System.Globalization;
using System.Text.Json;
using Probes.Consumer.Cli;
using Probes.Consumer.Tests.Support;
using Spectre.Console.Testing;
using CliApp = Probes.Consumer.Cli.ProbesCli;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// <c>probes phases --slow</c> on a workload of known shape (tests/Fixtures/phase_workload.c):
/// three "outer" phases each around an "inner" one that sleeps at least 120 ms, among thousands of
/// phases of microseconds and fast faulted ones. Traced by both pairing modes at once, both list
/// the same six instances (the program sends the slow ends in kernel mode; user space filters the
/// paired phases in per-event mode) with their parents, status, thread and start time.
/// </summary>
[TestClass]
[TestCategory("Kernel")]
public sealed class PhasesSlowTests
{
    private const int SlowPairs = 3;
    private const ulong ThresholdNs = 100_000_000;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [TestMethod]
    public void Both_modes_list_the_same_slow_instances_and_count_what_the_workload_did_over_the_threshold()
    {
        Requirements.Root();
        Requirements.Tool("gcc");
        string workload = PhaseWorkload.Build();
        using var inKernel = new LiveProcess(TestPaths.ProbesExecutable, ["phases", workload, "--slow", "100ms", "--format", "json"]);
        using var perEvent = new LiveProcess(TestPaths.ProbesExecutable, ["phases", workload, "--per-event", "--min-duration", "100ms", "--format", "json"]);
        using var table = new LiveProcess(TestPaths.ProbesExecutable, ["phases", workload, "--slow", "0.1s"]);
        foreach (LiveProcess tracer in (LiveProcess[])[inKernel, perEvent, table])
        {
            tracer.WaitForStderr("attached", Timeout);
        }

        DateTimeOffset before = DateTimeOffset.UtcNow;
        int pid;
        using (var run = new LiveProcess(workload, PhaseWorkload.Arguments(alpha: 3000, beta: 25, orphans: 0, strays: 0, marks: 0, slow: SlowPairs)))
        {
            run.WaitForExit(Timeout);
            Assert.AreEqual(0, run.ExitCode, string.Join('\n', run.Stdout));
            pid = run.Pid;
        }
        DateTimeOffset after = DateTimeOffset.UtcNow;
        JsonElement kernel = Report(inKernel).GetProperty("slow");
        JsonElement user = Report(perEvent).GetProperty("slow");

        var expected = Enumerable.Range(0, SlowPairs).SelectMany(i => new[]
        {
            ("outer", 3_000_000UL + (ulong)i, 0UL, "completed", ""),
            ("inner", 3_100_000UL + (ulong)i, 3_000_000UL + (ulong)i, i % 2 == 1 ? "faulted" : "completed", "outer"),
        }).ToList();
        foreach (JsonElement slow in (JsonElement[])[kernel, user])
        {
            Assert.AreEqual(ThresholdNs, slow.GetProperty("threshold_ns").GetUInt64());
            Assert.AreEqual(2 * SlowPairs, slow.GetProperty("count").GetInt64(), "every outer and inner, and no alpha or fast faulted beta");
            List<JsonElement> instances = slow.GetProperty("instances").EnumerateArray().ToList();
            CollectionAssert.AreEquivalent(expected, instances.Select(Identity).ToList());
            List<ulong> durations = instances.Select(i => i.GetProperty("duration_ns").GetUInt64()).ToList();
            CollectionAssert.AreEqual(durations.OrderByDescending(d => d).ToList(), durations, "slowest first");
            foreach (JsonElement instance in instances)
            {
                Assert.AreEqual((pid, pid), (instance.GetProperty("pid").GetInt32(), instance.GetProperty("tid").GetInt32()), "the workload's one thread");
                Assert.AreEqual("(host)", instance.GetProperty("container").GetString());
                Assert.IsGreaterThanOrEqualTo(PhaseWorkload.ShortestSlowMilliseconds * 1_000_000UL, instance.GetProperty("duration_ns").GetUInt64());
                DateTimeOffset started = DateTimeOffset.Parse(instance.GetProperty("started_at").GetString()!, CultureInfo.InvariantCulture);
                Assert.IsTrue(started >= before.AddSeconds(-1) && started <= after, $"{started:O} within the run ({before:O} to {after:O})");
            }
        }
        // The same instance measured by two programs on the same probe hits: the same numbers, within scheduling noise.
        foreach (JsonElement k in kernel.GetProperty("instances").EnumerateArray())
        {
            JsonElement u = user.GetProperty("instances").EnumerateArray().Single(i => i.GetProperty("span").GetUInt64() == k.GetProperty("span").GetUInt64());
            Assert.IsLessThan(5_000_000L, Math.Abs((long)k.GetProperty("duration_ns").GetUInt64() - (long)u.GetProperty("duration_ns").GetUInt64()));
            TimeSpan apart = DateTimeOffset.Parse(k.GetProperty("started_at").GetString()!, CultureInfo.InvariantCulture)
                - DateTimeOffset.Parse(u.GetProperty("started_at").GetString()!, CultureInfo.InvariantCulture);
            Assert.IsLessThan(5.0, Math.Abs(apart.TotalMilliseconds));
        }

        ProcessResult text = table.Stop(Signals.SIGINT, Timeout);
        Assert.AreEqual(0, text.ExitCode, text.Stderr);
        string[] lines = text.Stdout.Split('\n');
        int title = Array.FindIndex(lines, line => line.StartsWith("slow phases (>= 100 ms): 6 instances", StringComparison.Ordinal));
        Assert.IsGreaterThan(0, title, text.Stdout);
        string[] rows = lines.Skip(title).Where(line => line.Contains("outer", StringComparison.Ordinal) || line.Contains("inner", StringComparison.Ordinal)).ToArray();
        Assert.HasCount(2 * SlowPairs, rows, text.Stdout);
        Assert.AreEqual(SlowPairs, rows.Count(row => row.Contains("inner", StringComparison.Ordinal) && row.Contains("outer", StringComparison.Ordinal)), "each inner names its parent");
        StringAssert.Contains(text.Stderr, "6 at or over 100 ms");
    }

    [TestMethod]
    public void After_the_live_table_the_slow_phases_follow_on_stdout()
    {
        Requirements.Root();
        Requirements.Tool("gcc");
        string workload = PhaseWorkload.Build();
        var trace = new TerminalTrace(["phases", workload, "--slow", "100ms", "--duration", "8"], width: 200);
        trace.WaitUntilAttached(Timeout);
        using (var run = new LiveProcess(workload, PhaseWorkload.Arguments(alpha: 100, beta: 0, orphans: 0, strays: 0, marks: 0, slow: 1)))
        {
            run.WaitForExit(Timeout);
            Assert.AreEqual(0, run.ExitCode, string.Join('\n', run.Stdout));
        }
        trace.AssertSucceeded(Timeout);
        var terminal = trace.Terminal;
        var output = trace.Output;

        StringAssert.Contains(terminal.Output, "alpha", "the live table was drawn on the terminal");
        string[] lines = output.ToString().Split('\n');
        Assert.IsTrue(lines[0].StartsWith("slow phases (>= 100 ms): 2 instances", StringComparison.Ordinal), output.ToString());
        Assert.AreEqual(2, lines.Count(line => line.Contains("3000000", StringComparison.Ordinal)), "outer and inner of the one slow pair");
        Assert.IsFalse(output.ToString().Contains("alpha", StringComparison.Ordinal), "the phases table is not printed twice");
    }

    private static (string Name, ulong Span, ulong Parent, string Status, string Chain) Identity(JsonElement instance) => (
        instance.GetProperty("name").GetString()!,
        instance.GetProperty("span").GetUInt64(),
        instance.GetProperty("parent").GetUInt64(),
        instance.GetProperty("status").GetString()!,
        string.Join(" > ", instance.GetProperty("parent_chain").EnumerateArray().Select(e => e.GetString())));

    private static JsonElement Report(LiveProcess tracer)
    {
        ProcessResult result = tracer.Stop(Signals.SIGINT, Timeout);
        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Console.WriteLine(result.Stderr);
        return JsonDocument.Parse(result.Stdout).RootElement.Clone();
    }
}
