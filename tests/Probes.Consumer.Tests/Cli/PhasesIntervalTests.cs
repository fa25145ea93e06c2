using System.Text.Json;
using Probes.Consumer.Cli;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary><c>probes phases --interval</c>: one JSON line per window when piped, adding up to the totals.</summary>
[TestClass]
public sealed class PhasesIntervalTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [TestMethod]
    [DataRow("--interval 50ms", "--interval must be at least 100ms")]
    [DataRow("--interval 1s --format chrome", "--interval writes windows of the table or json report, not of chrome or tree")]
    [DataRow("--interval 10", "--interval must be a duration with a unit")]
    public void Interval_out_of_place_is_a_usage_error(string options, string message)
    {
        var error = new StringWriter();

        int code = ProbesCli.Run(["phases", TestPaths.LibProbes, .. options.Split(' ')], new CliConsole(new StringWriter(), error));

        Assert.AreEqual((int)ExitCode.Usage, code);
        StringAssert.Contains(error.ToString(), message);
    }

    [TestMethod]
    [TestCategory("Kernel")]
    public void Piped_windows_are_json_lines_whose_counts_add_up_to_the_totals()
    {
        Requirements.Root();
        using LiveProcess sample = SampleService.Start("--wait-for-tracer", "60", "--requests", "40", "--interval-ms", "25");
        sample.WaitForStdout("sample pid=", Timeout);
        using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["phases", "--pid", $"{sample.Pid}", "--interval", "300ms"]);
        tracer.WaitForExit(Timeout);

        Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));
        List<JsonDocument> windows = tracer.Stdout.Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l)).ToList();
        Assert.IsTrue(windows.Count >= 3, $"{windows.Count} windows");
        Assert.IsTrue(windows.Take(windows.Count - 1).All(w => !w.RootElement.GetProperty("final").GetBoolean()));
        JsonElement last = windows[^1].RootElement;
        Assert.IsTrue(last.GetProperty("final").GetBoolean());
        long requests = windows.Sum(w => w.RootElement.GetProperty("phases").EnumerateArray()
            .Where(p => p.GetProperty("name").GetString() == "HandleRequest").Sum(p => p.GetProperty("count").GetInt64()));
        // Every request counted is in exactly one window (all 40, unless a host-wide agent elsewhere let the sample start before this attach).
        JsonElement total = last.GetProperty("phases").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "HandleRequest");
        Assert.AreEqual(total.GetProperty("total_count").GetInt64(), requests, "the windows add up to the total");
        Assert.IsTrue(requests is > 0 and <= 40, $"{requests} requests");
        Assert.IsTrue(windows.Any(w => w.RootElement.GetProperty("phases").EnumerateArray()
            .Any(p => p.GetProperty("name").GetString() == "HandleRequest" && p.GetProperty("count").GetInt64() > 0 && p.GetProperty("per_second").GetDouble() > 0 && p.GetProperty("p99_ns").GetInt64() > 0)));
    }
}
