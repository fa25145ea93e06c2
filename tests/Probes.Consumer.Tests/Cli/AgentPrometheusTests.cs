using Probes.Consumer.Agent;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// The agent scraped by a real Prometheus server: PromQL over what Prometheus stored gives each
/// container's own phase count, and a phase name a target chose to break the format (quotes,
/// backslashes, a line feed, braces, 300 characters) comes back from Prometheus as the bounded
/// name, so the escaping was read as meant; promtool, Prometheus's own checker, passes the exposition.
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Container")]
[DoNotParallelize]
public sealed class AgentPrometheusTests
{
    private static readonly TimeSpan Timeout = SampleReplicas.Timeout;
    private static readonly string HostileName = "evil\"phase\\with\na line} {le=\"0\"} 1\n# TYPE x counter " + new string('x', 300);

    [TestMethod]
    public void Prometheus_scrapes_each_containers_own_counts_and_the_hostile_name_as_bounded()
    {
        string promtool = Requirements.Tool("promtool");
        string image = SampleImage.Build();
        using var replicas = new SampleReplicas(Requirements.RootWithPodman(), image);
        string before = SampleReplicas.NameFor("agp-before"), after = SampleReplicas.NameFor("agp-after");
        replicas.Run(before, requests: 100, intervalMilliseconds: 50);
        using var hostile = new LiveProcess(NamedPhases.Build(), [HostileName, "7"]);
        hostile.WaitForStdout("ready", Timeout);

        using var agent = new AgentProcess("--grace", "120");
        replicas.Run(after, requests: 10, intervalMilliseconds: 10, waitForTracer: false, waitForShim: false);
        hostile.WaitForStdout("done", Timeout);
        using var prometheus = new PrometheusServer($"127.0.0.1:{agent.Port}");
        prometheus.WaitUntilUp(Timeout);
        replicas.WaitAll();

        Dictionary<string, int> own = new[] { before, after }.ToDictionary(name => name, replicas.SelfReported);
        Dictionary<string, double> stored = new();
        Wait.Until(() =>
        {
            stored = prometheus.Query($"sum by (container) (probes_phase_duration_seconds_count{{container=~\"probes-rep-agp-.*-{Environment.ProcessId}\"}})")
                .ToDictionary(r => r.Labels["container"], r => r.Value);
            return own.All(o => stored.GetValueOrDefault(o.Key) == o.Value);
        }, Timeout, "Prometheus has each container's own count", () => $"own: {string.Join(", ", own)}; stored: {string.Join(", ", stored)}");

        var image_ = prometheus.Query($"count by (image, node) (probes_phase_duration_seconds_count{{container=\"{before}\"}})");
        Assert.AreEqual((image, "test-node"), (image_.Single().Labels["image"], image_.Single().Labels["node"]));

        // The hostile phase, read back by Prometheus's parser: the bounded name exactly, with its 7 phases.
        string bounded = LabelValue.Bound(HostileName);
        Assert.AreEqual(LabelValue.MaxLength, bounded.Length);
        var phases = prometheus.Query($"probes_phase_duration_seconds_count{{container=\"\", status=\"completed\"}}");
        var hostileSeries = phases.Where(p => p.Labels["phase"] == bounded).ToList();
        Assert.HasCount(1, hostileSeries, $"phases of the host: {string.Join(" | ", phases.Select(p => p.Labels["phase"]))}");
        Assert.AreEqual(7, hostileSeries[0].Value);

        // Prometheus's own checker on the exposition as served.
        string exposition = agent.ScrapeText();
        string file = Path.Combine(TestPaths.ScratchDirectory, $"exposition-{Guid.NewGuid():N}.txt");
        File.WriteAllText(file, exposition);
        ProcessResult lint = ProcessRunner.Run("/bin/sh", ["-c", $"\"{promtool}\" check metrics < \"{file}\""], Timeout);
        Assert.AreEqual(0, lint.ExitCode, $"promtool: {lint.Stdout} {lint.Stderr}");

        ProcessResult exit = agent.Stop();
        Assert.AreEqual(0, exit.ExitCode, exit.Stderr);
    }
}
