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
    private const string KnownPhase = "known-20ms";
    private const int KnownCount = 30;
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
        using var known = new LiveProcess(NamedPhases.Build(), [KnownPhase, KnownCount.ToString(System.Globalization.CultureInfo.InvariantCulture), "20", "0x6007"]);
        known.WaitForStdout("ready", Timeout);

        using var agent = new AgentProcess("--grace", "120");
        replicas.Run(after, requests: 10, intervalMilliseconds: 10, waitForTracer: false, waitForShim: false);
        hostile.WaitForStdout("done", Timeout);
        known.WaitForStdout("done", Timeout);
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

        // Marks (the sample marks RequestsServed with the request's number after each request): a
        // counter of how many, and the last value as a gauge.
        Assert.AreEqual(10, prometheus.Query($"sum(probes_marks_total{{container=\"{after}\", mark=\"RequestsServed\"}})").Single().Value);
        Assert.AreEqual(10, prometheus.Query($"probes_mark_value{{container=\"{after}\", mark=\"RequestsServed\", stat=\"last\"}}").Single().Value);
        Assert.AreEqual(1, prometheus.Query($"probes_mark_value{{container=\"{after}\", mark=\"RequestsServed\", stat=\"min\"}}").Single().Value);

        // A phase of a known duration (each sleeps 20 ms, measured by the process itself, since a
        // loaded host oversleeps): Prometheus's median from the buckets lies in the bucket that holds
        // the true median (the error histogram_quantile has by design: it interpolates inside one
        // bucket), and the exact sum gives a mean of at least 20 ms.
        long trueMedian = long.Parse(known.Stdout.Single(l => l.StartsWith("median_ns=", StringComparison.Ordinal))["median_ns=".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Wait.Until(() => prometheus.Query($"sum(probes_phase_duration_seconds_count{{phase=\"{KnownPhase}\"}})").Select(r => r.Value).SingleOrDefault() == KnownCount,
            Timeout, $"Prometheus has the {KnownCount} phases of {KnownPhase}");
        double median = prometheus.Query($"histogram_quantile(0.5, sum by (le) (probes_phase_duration_seconds_bucket{{phase=\"{KnownPhase}\"}}))").Single().Value;
        double lower = ExportedBuckets.UpperBoundsNanoseconds.Last(b => b < (ulong)trueMedian) / 1e9;
        double upper = ExportedBuckets.UpperBoundsNanoseconds.FirstOrDefault(b => b >= (ulong)trueMedian, ulong.MaxValue) / 1e9;
        Assert.IsTrue(median > lower && median <= upper, $"median {median} s outside the bucket ({lower}, {upper}] that holds the measured median {trueMedian} ns");
        double mean = prometheus.Query($"sum(probes_phase_duration_seconds_sum{{phase=\"{KnownPhase}\"}}) / sum(probes_phase_duration_seconds_count{{phase=\"{KnownPhase}\"}})").Single().Value;
        Assert.IsTrue(mean >= 0.020, $"mean {mean} s of phases that each sleep 20 ms");

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
