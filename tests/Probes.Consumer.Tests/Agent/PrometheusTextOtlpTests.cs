using Probes.Consumer.Agent;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Agent;

/// <summary>The OTLP exporter's counters in the agent's own exposition: present only when exporting.</summary>
[TestClass]
public sealed class PrometheusTextOtlpTests
{
    private static AgentCounters Counters(OtlpCounters? otlp) => new(0, 0, 0, 0, 0, 0, 0, 1, 1, 0, [], Otlp: otlp);

    [TestMethod]
    public void The_exporters_drops_and_failures_are_counters_by_signal()
    {
        List<Sample> samples = AgentProcess.Parse(PrometheusText.Write("n1", [], Counters(new OtlpCounters(ExportedSpans: 40, DroppedSpans: 7, DroppedDataPoints: 3, FailedRequests: 2))));
        Assert.AreEqual("7", samples.Single(s => s.Name == "probes_otlp_dropped_total" && s.Label("signal") == "spans").Value);
        Assert.AreEqual("3", samples.Single(s => s.Name == "probes_otlp_dropped_total" && s.Label("signal") == "metrics").Value);
        Assert.AreEqual("2", samples.Single(s => s.Name == "probes_otlp_export_failures_total").Value);
        Assert.AreEqual("40", samples.Single(s => s.Name == "probes_otlp_spans_exported_total").Value);
        Assert.IsTrue(samples.Where(s => s.Name.StartsWith("probes_otlp_", StringComparison.Ordinal)).All(s => s.Label("node") == "n1"));
    }

    [TestMethod]
    public void Without_export_there_are_no_otlp_series()
    {
        Assert.IsFalse(AgentProcess.Parse(PrometheusText.Write("n1", [], Counters(null))).Any(s => s.Name.StartsWith("probes_otlp_", StringComparison.Ordinal)));
    }
}
