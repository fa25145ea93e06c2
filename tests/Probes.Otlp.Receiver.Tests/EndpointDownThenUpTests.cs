using System.Diagnostics;
using OpenTelemetry.Trace;
using Probes.Otlp.Receiver;

namespace Probes.Otlp.Receiver.Tests;

/// <summary>
/// An endpoint that is down, then up: refusing (HTTP 503, gRPC UNAVAILABLE) or not listening
/// at all. The official exporter drops (its default) or retries (in-memory retry), and export
/// resumes once the receiver accepts again.
/// </summary>
[TestClass]
public sealed class EndpointDownThenUpTests
{
    [TestMethod]
    [DataRow(OtlpTransport.Grpc)]
    [DataRow(OtlpTransport.HttpProtobuf)]
    public async Task RefusedBatchIsDroppedByDefaultThenExportResumes(OtlpTransport transport)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        string sourceName = $"Probes.Otlp.Tests.{Guid.NewGuid():N}";
        using var source = new ActivitySource(sourceName);
        using TracerProvider provider = OfficialExporter.Traces(sourceName, receiver, transport);

        receiver.Refuse();
        using (source.StartActivity("while-down")) { }
        provider.ForceFlush(10_000);
        OtlpReceived refused = await receiver.WaitForAsync(r => RefusedSpanNames(r).Contains("while-down"), OfficialExporter.Patience);
        Assert.AreEqual(OtlpOutcome.Refused, refused.Requests.Single().Outcome);

        receiver.Accept();
        using (source.StartActivity("after-up")) { }
        Assert.IsTrue(provider.ForceFlush(10_000), "the exporter did not flush after the receiver came back");
        OtlpReceived got = await receiver.WaitForAsync(r => r.SpansNamed("after-up").Count == 1, OfficialExporter.Patience);

        // The batch that met the refusal was dropped, not re-sent with the next one.
        CollectionAssert.AreEquivalent(new[] { "after-up" }, got.Spans().Select(s => s.Name).ToArray(), got.Describe());
        Assert.AreEqual(1, got.Refused.Count());
    }

    [TestMethod]
    [DataRow(OtlpTransport.Grpc)]
    [DataRow(OtlpTransport.HttpProtobuf)]
    public async Task RefusedBatchIsRetriedWhenTheExporterRetries(OtlpTransport transport)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        string sourceName = $"Probes.Otlp.Tests.{Guid.NewGuid():N}";
        using var source = new ActivitySource(sourceName);
        using TracerProvider provider = OfficialExporter.Traces(sourceName, receiver, transport,
            settings: new Dictionary<string, string?> { ["OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"] = "in_memory" });

        receiver.Refuse();
        Activity retried;
        using (retried = source.StartActivity("retried")!) { }
        // The retry runs inside the export call, so the flush waits for it: flush aside.
        Task<bool> flush = Task.Run(() => provider.ForceFlush(30_000));
        await receiver.WaitForAsync(r => RefusedSpanNames(r).Contains("retried"), OfficialExporter.Patience);
        receiver.Accept();

        OtlpReceived got = await receiver.WaitForAsync(r => r.SpansNamed("retried").Count == 1, OfficialExporter.Patience);
        Assert.IsTrue(await flush, "the flush did not end after the retry was accepted");
        ReceivedSpan delivered = got.SpansNamed("retried").Single();
        Assert.AreEqual(retried.SpanId.ToHexString(), delivered.SpanId, "the same span, re-sent");
        OtlpRequest firstRefusal = got.Refused.First();
        Assert.IsLessThan(delivered.Request.Sequence, firstRefusal.Sequence);
    }

    [TestMethod]
    [DataRow(OtlpTransport.Grpc)]
    [DataRow(OtlpTransport.HttpProtobuf)]
    public async Task ExportResumesWhenTheReceiverListensAgain(OtlpTransport transport)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        string sourceName = $"Probes.Otlp.Tests.{Guid.NewGuid():N}";
        using var source = new ActivitySource(sourceName);
        using TracerProvider provider = OfficialExporter.Traces(sourceName, receiver, transport);
        using (source.StartActivity("before-down")) { }
        Assert.IsTrue(provider.ForceFlush(10_000));
        await receiver.WaitForAsync(r => r.SpansNamed("before-down").Count == 1, OfficialExporter.Patience);
        (int httpPort, int grpcPort) = (receiver.HttpPort, receiver.GrpcPort);

        await receiver.StopListeningAsync();
        Assert.IsFalse(receiver.IsListening);
        using (source.StartActivity("while-closed")) { }
        // Connection refused: the export fails and the batch is gone (no retry by default).
        Assert.IsTrue(provider.ForceFlush(10_000));

        await receiver.ListenAgainAsync();
        Assert.AreEqual((httpPort, grpcPort), (receiver.HttpPort, receiver.GrpcPort));
        using (source.StartActivity("after-up")) { }
        Assert.IsTrue(provider.ForceFlush(10_000));
        OtlpReceived got = await receiver.WaitForAsync(r => r.SpansNamed("after-up").Count == 1, OfficialExporter.Patience);

        CollectionAssert.AreEquivalent(new[] { "before-down", "after-up" }, got.Spans().Select(s => s.Name).ToArray(), got.Describe());
        Assert.AreEqual(2, got.Requests.Count, "nothing was heard while the ports were closed");
    }

    private static string[] RefusedSpanNames(OtlpReceived received) =>
        received.Refused.Where(r => r.Traces is not null)
            .SelectMany(r => r.Traces!.ResourceSpans).SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans)
            .Select(s => s.Name).ToArray();
}
