using System.Globalization;
using System.Text.Json;
using Probes.Consumer.Tests.Support;
using Probes.Otlp.Receiver;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// The agent's OTLP endpoint goes away and comes back: while it is down the drop and failure
/// counters in the agent's own /metrics grow and the drops are logged (JSON lines, at most one per
/// interval); once it is back, export resumes by itself. The sample runs on the host as
/// <c>dotnet Probes.Sample.dll</c>, so its service.name is its entry assembly's.
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Kernel")]
[DoNotParallelize]
public sealed class AgentOtlpEndpointDownTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const double IntervalSeconds = 0.5;

    [TestMethod]
    public async Task While_the_endpoint_is_down_the_drop_counters_in_metrics_grow_are_logged_once_per_interval_and_export_resumes()
    {
        Requirements.Root();
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        using LiveProcess sample = SampleProgram.Service.Start("--wait-for-tracer", "60", "--requests", "100000", "--interval-ms", "20");
        sample.WaitForStdout("sample pid=", Timeout);
        using var agent = new AgentProcess("--otlp-endpoint", receiver.HttpEndpoint.ToString(), "--otlp-interval", IntervalSeconds.ToString(CultureInfo.InvariantCulture),
            "--span-threshold", "1ns", "--log-format", "json");
        bool Ours(ReceivedSpan span) => span.Name == "HandleRequest" && span.ResourceAttributes.GetValueOrDefault("process.pid") is long pid && pid == sample.Pid;
        OtlpReceived up = await receiver.WaitForAsync(r => r.Spans().Count(Ours) >= 5, Timeout);
        Assert.AreEqual("Probes.Sample", up.Spans().First(Ours).ResourceAttributes["service.name"], "dotnet Probes.Sample.dll: the entry assembly");
        Assert.AreEqual(0, Counter(agent, "probes_otlp_dropped_total", "spans"));

        await receiver.StopListeningAsync();
        long dropped = 0;
        Wait.Until(() => (dropped = Counter(agent, "probes_otlp_dropped_total", "spans")) > 0 && Counter(agent, "probes_otlp_dropped_total", "metrics") > 0
            && Counter(agent, "probes_otlp_export_failures_total") > 0, Timeout, "drops and failures counted in /metrics");
        Wait.Until(() => Counter(agent, "probes_otlp_dropped_total", "spans") > dropped, Timeout, $"the span drops grow past {dropped} while the endpoint is down");
        var downFor = System.Diagnostics.Stopwatch.StartNew();
        string logged = agent.Process.WaitForStderr("dropped since the last report", Timeout);
        using (JsonDocument line = JsonDocument.Parse(logged))
        {
            StringAssert.Contains(line.RootElement.GetProperty("msg").GetString(), "last failure");
        }
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.IsFalse(sample.HasExited, "the traced service died while the endpoint was down");
        int reports = agent.Process.Stderr.Count(l => l.Contains("dropped since the last report", StringComparison.Ordinal));
        double bound = downFor.Elapsed.TotalSeconds / IntervalSeconds + 4;
        Assert.IsTrue(reports <= bound, $"{reports} drop reports in {downFor.Elapsed.TotalSeconds:F1} s: at most one per {IntervalSeconds} s interval");

        int before = receiver.Received.Spans().Count(Ours);
        await receiver.ListenAgainAsync();
        await receiver.WaitForAsync(r => r.Spans().Count(Ours) >= before + 5, Timeout);

        Assert.AreEqual(0, agent.Stop().ExitCode, string.Join('\n', agent.Process.Stderr));
        sample.Signal(Signals.SIGTERM);
    }

    private static long Counter(AgentProcess agent, string name, string? signal = null) =>
        long.Parse(agent.Scrape().Single(s => s.Name == name && (signal is null || s.Label("signal") == signal)).Value, CultureInfo.InvariantCulture);
}
