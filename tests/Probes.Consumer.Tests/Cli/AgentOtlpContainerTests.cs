using System.Text.RegularExpressions;
using Probes.Consumer.Export.Otlp;
using Probes.Consumer.Tests.Support;
using Probes.Otlp.Receiver;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// Issue 17 from the node agent: the sample, in a podman container, traces its requests with
/// OpenTelemetry (its own ActivitySource, exported to the test receiver) while `probes agent
/// --otlp-endpoint` exports to the same receiver. No begins reach user space in the agent; the
/// phase ends the kernel sends (every one, with --span-threshold 1ns) still land in the requests'
/// traces under the right parents, the histograms count what the sample counted, and the resource
/// names the container, its image and the entry assembly (no OTEL_SERVICE_NAME is set).
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Container")]
[DoNotParallelize]
public sealed partial class AgentOtlpContainerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private const int Requests = 6;

    [TestMethod]
    public async Task The_agent_exports_the_phases_into_the_apps_traces_with_exact_histograms_and_the_containers_resource()
    {
        string podman = Requirements.RootWithPodman();
        string image = SampleImage.Build();
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        string name = $"probes-agotlp-{Environment.ProcessId}";
        try
        {
            using var agent = new AgentProcess("--otlp-endpoint", receiver.GrpcEndpoint.ToString(), "--otlp-protocol", "grpc", "--otlp-interval", "0.5",
                "--span-threshold", "1ns", "--grace", "120", "--max-series", "1000000");
            // The receiver listens on the host's loopback: the container shares the host's network.
            // It waits for the agent's scan to attach before its startup phases.
            ProcessResult run = ProcessRunner.Run(podman, ["--runtime", "runc", "run", "--name", name, "--network", "host", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                "-e", "UNRELATED_SECRET=do-not-export",
                image, "--wait-for-tracer", "60", "--settle-ms", "200", "--requests", $"{Requests}", "--interval-ms", "20", "--self-report",
                "--otlp-endpoint", receiver.HttpEndpoint.ToString()], Timeout).EnsureSuccess($"podman run {name}");
            StringAssert.Contains(run.Stdout, "tracer attached");
            string containerId = ProcessRunner.Run(podman, ["inspect", "-f", "{{.Id}}", name], Timeout).EnsureSuccess("podman inspect").Stdout.Trim();

            List<(string Trace, string Span)> requests = SampleRequestTraces.Requests(run.Stdout);
            Assert.AreEqual(Requests, requests.Count, run.Stdout);
            Dictionary<string, int> ownCounts = SelfReport().Matches(run.Stdout).GroupBy(m => m.Groups["phase"].Value).ToDictionary(g => g.Key, g => g.Count());
            bool OursSpan(ReceivedSpan span) => (string?)span.ResourceAttributes.GetValueOrDefault("container.id") == containerId;
            bool OursPoint(ReceivedDataPoint point) => (string?)point.ResourceAttributes.GetValueOrDefault("container.id") == containerId;
            OtlpReceived got;
            try
            {
                got = await receiver.WaitForAsync(r => SampleRequestTraces.AllArrived(r, requests)
                    && ownCounts.All(o => SampleRequestTraces.ExportedCount(r, OursPoint, o.Key) == (ulong)o.Value), Timeout);
            }
            catch (TimeoutException)
            {
                OtlpReceived now = receiver.Received;
                Assert.Fail($"own: {string.Join(", ", ownCounts)}; exported: {string.Join(", ", ownCounts.Keys.Select(p => $"{p}={SampleRequestTraces.ExportedCount(now, OursPoint, p)}"))}; "
                    + $"spans: {string.Join(", ", now.Spans().Where(OursSpan).GroupBy(s => s.Name).Select(g => $"{g.Key}={g.Count()}"))}\n{string.Join('\n', agent.Process.Stderr)}");
                throw;
            }

            foreach ((ReceivedSpan _, ReceivedSpan handle) in SampleRequestTraces.AssertPhasesUnderRequests(got, requests))
            {
                IReadOnlyDictionary<string, object?> resource = handle.ResourceAttributes;
                Assert.AreEqual("Probes.Sample", resource["service.name"], "no OTEL_SERVICE_NAME: the entry assembly (the image's apphost)");
                Assert.AreEqual(containerId, resource["container.id"]);
                Assert.AreEqual(name, resource["container.name"]);
                Assert.AreEqual(image, resource["container.image.name"]);
                Assert.AreEqual(Environment.MachineName, resource["host.name"]);
                Assert.IsInstanceOfType<long>(resource["process.pid"]);
                Assert.IsFalse(resource.Values.Any(v => v is string text && text.Contains("do-not-export", StringComparison.Ordinal)), "nothing else of the environment");
            }
            SampleRequestTraces.AssertStartupHasItsOwnTrace(got, OursSpan, requests);

            foreach ((string phase, int count) in ownCounts)
            {
                Assert.AreEqual(count, got.SpansNamed(phase).Count(OursSpan), $"{phase}: one span per instance");
            }
            ReceivedDataPoint point = got.DataPoints(OtlpEncoder.DurationMetric).Last(OursPoint);
            Assert.AreEqual(name, point.ResourceAttributes["container.name"]);
            Assert.AreEqual(image, point.ResourceAttributes["container.image.name"]);
            Assert.AreEqual("Probes.Sample", point.ResourceAttributes["service.name"]);
            Assert.AreEqual(Probes.Otlp.Proto.Metrics.AggregationTemporality.Cumulative, point.Temporality);

            List<Sample> samples = agent.Scrape();
            Assert.AreEqual("0", samples.Single(s => s.Name == "probes_otlp_dropped_total" && s.Label("signal") == "spans").Value);
            Assert.AreEqual("0", samples.Single(s => s.Name == "probes_otlp_export_failures_total").Value);
            ProcessResult stopped = agent.Stop();
            Assert.AreEqual(0, stopped.ExitCode, string.Join('\n', agent.Process.Stderr));
            StringAssert.Contains(string.Join('\n', agent.Process.Stderr), "spans exported over OTLP");
        }
        finally
        {
            ProcessRunner.Run(podman, ["rm", "--force", "--ignore", "-t", "0", name], Timeout);
        }
    }

    [GeneratedRegex(@"self-report phase=(?<phase>\S+) seq=(?<seq>\d+)")]
    private static partial Regex SelfReport();
}
