using System.Globalization;
using System.Text.RegularExpressions;
using Probes.Consumer.Export.Otlp;
using Probes.Consumer.Tests.Support;
using Probes.Otlp.Receiver;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// Issue 17 end to end: the sample, in a podman container, traces its requests with OpenTelemetry
/// (its own ActivitySource, exported to the test receiver) while `probes phases --otlp-endpoint`
/// exports its woven phases to the same receiver. The phases land in the requests' traces.
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Container")]
[DoNotParallelize]
public sealed partial class OtlpExportContainerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private const int Requests = 6;

    [TestMethod]
    [DataRow("grpc")]
    [DataRow("http/protobuf")]
    public async Task Phases_join_the_applications_own_traces_with_the_containers_resource_and_exact_histograms(string protocol)
    {
        string podman = Requirements.RootWithPodman();
        string image = SampleImage.Build();
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        string name = $"probes-otlp-{(protocol == "grpc" ? "g" : "h")}-{Environment.ProcessId}";
        Uri endpoint = protocol == "grpc" ? receiver.GrpcEndpoint : receiver.HttpEndpoint;
        try
        {
            using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["phases", "--image", image, "--format", "json", "--otlp-endpoint", endpoint.ToString(), "--otlp-protocol", protocol]);
            tracer.WaitForStderr("attached", Timeout);
            // The receiver listens on the host's loopback: the container shares the host's network.
            ProcessResult run = ProcessRunner.Run(podman, ["--runtime", "runc", "run", "--name", name, "--network", "host", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                "-e", "OTEL_SERVICE_NAME=orders-svc", "-e", "UNRELATED_SECRET=do-not-export",
                image, "--requests", $"{Requests}", "--interval-ms", "20", "--self-report", "--otlp-endpoint", receiver.HttpEndpoint.ToString()], Timeout).EnsureSuccess($"podman run {name}");
            string containerId = ProcessRunner.Run(podman, ["inspect", "-f", "{{.Id}}", name], Timeout).EnsureSuccess("podman inspect").Stdout.Trim();
            tracer.Signal(Signals.SIGTERM);
            tracer.WaitForExit(Timeout);
            Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));
            StringAssert.Contains(tracer.Stderr[^1], "spans exported over OTLP");
            Assert.IsFalse(tracer.Stderr.Any(line => line.Contains("dropped", StringComparison.Ordinal)), string.Join('\n', tracer.Stderr));

            List<(string Trace, string Span)> requests = SampleRequestTraces.Requests(run.Stdout);
            Assert.AreEqual(Requests, requests.Count, run.Stdout);
            var own = SelfReport().Matches(run.Stdout).ToList();
            OtlpReceived got = await receiver.WaitForAsync(r => SampleRequestTraces.AllArrived(r, requests), Timeout);

            var handleOwn = own.Where(m => m.Groups["phase"].Value == "HandleRequest").OrderBy(m => int.Parse(m.Groups["seq"].Value, CultureInfo.InvariantCulture)).ToList();
            List<(ReceivedSpan App, ReceivedSpan Handle)> phases = SampleRequestTraces.AssertPhasesUnderRequests(got, requests);
            for (int i = 0; i < phases.Count; i++)
            {
                ReceivedSpan handle = phases[i].Handle;
                // Kernel-timed: the accuracy test's bound against the sample's own Stopwatch (5% or 100 us).
                long ownNs = long.Parse(handleOwn[i].Groups["ns"].Value, CultureInfo.InvariantCulture);
                // GC pauses and the starting thread's compilation may fall outside the probes (SelfReport's jit_ns).
                long pauseNs = long.Parse(handleOwn[i].Groups["pause"].Value, CultureInfo.InvariantCulture) + long.Parse(handleOwn[i].Groups["jit"].Value, CultureInfo.InvariantCulture);
                long difference = Math.Abs((long)handle.DurationNanoseconds - ownNs);
                Assert.IsTrue(difference <= Math.Max(100_000, ownNs / 20) + pauseNs, $"request {i + 1}: span {handle.DurationNanoseconds} ns, own {ownNs} ns, GC pauses and compilation during it {pauseNs} ns");

                IReadOnlyDictionary<string, object?> resource = handle.ResourceAttributes;
                Assert.AreEqual("orders-svc", resource["service.name"]);
                Assert.AreEqual(containerId, resource["container.id"]);
                Assert.AreEqual(name, resource["container.name"]);
                Assert.AreEqual(image, resource["container.image.name"], "phases --image names the image");
                Assert.AreEqual(Environment.MachineName, resource["host.name"]);
                Assert.IsInstanceOfType<long>(resource["process.pid"]);
                Assert.IsFalse(resource.Values.Any(v => v is string text && text.Contains("do-not-export", StringComparison.Ordinal)), "only OTEL_SERVICE_NAME is read");
            }

            SampleRequestTraces.AssertStartupHasItsOwnTrace(got, _ => true, requests);

            // Metrics: per phase, the exported histogram counts what the sample counted itself.
            foreach (IGrouping<string, Match> phase in own.GroupBy(m => m.Groups["phase"].Value))
            {
                ulong exported = SampleRequestTraces.ExportedCount(got, p => (string?)p.ResourceAttributes["container.name"] == name, phase.Key);
                Assert.AreEqual((ulong)phase.Count(), exported, $"{phase.Key}: counted by the sample vs exported");
                Assert.AreEqual((long)phase.Count(), got.SpansNamed(phase.Key).Count(s => (string?)s.ResourceAttributes["container.name"] == name), $"{phase.Key}: one span per instance");
            }
        }
        finally
        {
            ProcessRunner.Run(podman, ["rm", "--force", "--ignore", "-t", "0", name], Timeout);
        }
    }

    [GeneratedRegex(@"self-report phase=(?<phase>\S+) seq=(?<seq>\d+) ns=(?<ns>\d+) pause_ns=(?<pause>\d+) start_ns=(?<start>\d+) stop_ns=(?<stop>\d+) jit_ns=(?<jit>\d+)")]
    private static partial Regex SelfReport();
}
