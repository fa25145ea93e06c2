using System.Diagnostics;
using Probes.Consumer.Export.Otlp;
using Probes.Consumer.Phases;
using Probes.Otlp.Receiver;
using ProtoStatus = Probes.Otlp.Proto.Trace.Status;
using ProtoSpan = Probes.Otlp.Proto.Trace.Span;

namespace Probes.Consumer.Tests.Export;

/// <summary>The exporter against the OTLP test receiver, over both transports: what it sends decodes to what it was given.</summary>
[TestClass]
public sealed class OtlpExporterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly SpanOrigin Origin = new(4242, "c0ffee00", "orders-1", "orders", "registry.example/orders:1.2", "orders-7d9f", "shop");

    private static ExportedSpan Span(ulong span, ulong parent, PhaseStatus status) =>
        new(Origin, $"Phase{span}", 0x885eaf4c, 0x0af7651916cd43ddUL, 0x8448eb211c80319cUL, OtlpIds.PhaseSpanId(4242, span), parent,
            1_700_000_000_000_000_000UL + span, 1_700_000_000_000_500_000UL + span, status, 77, span);

    [TestMethod]
    [DataRow(OtlpProtocol.HttpProtobuf)]
    [DataRow(OtlpProtocol.Grpc)]
    public async Task Spans_and_histograms_arrive_decoded_with_ids_status_and_resource(OtlpProtocol protocol)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        Uri endpoint = protocol == OtlpProtocol.Grpc ? receiver.GrpcEndpoint : receiver.HttpEndpoint;
        var settings = new OtlpSettings(endpoint, protocol, [new("x-tenant", "t1")]) { ExportInterval = TimeSpan.FromMilliseconds(100) };
        await using var exporter = new OtlpExporter(settings, "node-7", _ => { });
        exporter.Offer(Span(1, 0xb7ad6b7169203331UL, PhaseStatus.Completed));
        exporter.Offer(Span(2, OtlpIds.PhaseSpanId(4242, 1), PhaseStatus.Faulted));
        exporter.Offer(Span(3, OtlpIds.PhaseSpanId(4242, 1), PhaseStatus.Canceled));
        ulong[] buckets = new ulong[OtlpEncoder.BoundsSeconds.Count + 1];
        buckets[10] = 3;
        exporter.SetHistograms([new ExportedHistogram(Origin with { Pid = 0 }, "Query", "completed", 3, 3_000_000, 900_000, 1_100_000, buckets)]);
        await exporter.FlushAndStopAsync(Timeout);

        OtlpReceived got = await receiver.WaitForAsync(r => r.Spans().Count == 3 && r.DataPoints(OtlpEncoder.DurationMetric).Count > 0, Timeout);
        ReceivedSpan first = got.SpansNamed("Phase1").Single();
        Assert.AreEqual("0af7651916cd43dd8448eb211c80319c", first.TraceId);
        Assert.AreEqual(OtlpIds.PhaseSpanId(4242, 1).ToString("x16"), first.SpanId);
        Assert.AreEqual("b7ad6b7169203331", first.ParentSpanId);
        Assert.AreEqual(ProtoSpan.Types.SpanKind.Internal, first.Span.Kind);
        Assert.AreEqual(500_000UL, first.DurationNanoseconds);
        Assert.AreEqual("orders", first.ResourceAttributes["service.name"]);
        Assert.AreEqual("node-7", first.ResourceAttributes["host.name"]);
        Assert.AreEqual(4242L, first.ResourceAttributes["process.pid"]);
        Assert.AreEqual("c0ffee00", first.ResourceAttributes["container.id"]);
        Assert.AreEqual("orders-1", first.ResourceAttributes["container.name"]);
        Assert.AreEqual("registry.example/orders:1.2", first.ResourceAttributes["container.image.name"]);
        Assert.AreEqual("orders-7d9f", first.ResourceAttributes["k8s.pod.name"]);
        Assert.AreEqual("shop", first.ResourceAttributes["k8s.namespace.name"]);
        Assert.AreEqual("probes", first.Scope?.Name);

        ReceivedSpan faulted = got.SpansNamed("Phase2").Single();
        Assert.AreEqual(ProtoStatus.Types.StatusCode.Error, faulted.Span.Status.Code);
        Assert.AreEqual("faulted", faulted.Span.Status.Message);
        Assert.AreEqual(first.SpanId, faulted.ParentSpanId);
        ReceivedSpan canceled = got.SpansNamed("Phase3").Single();
        Assert.AreEqual(true, canceled.Attributes["probes.phase.canceled"]);
        Assert.AreNotEqual(ProtoStatus.Types.StatusCode.Error, canceled.Span.Status?.Code ?? ProtoStatus.Types.StatusCode.Unset);

        ReceivedDataPoint point = got.DataPoints(OtlpEncoder.DurationMetric).Last();
        Assert.AreEqual(3UL, point.Histogram!.Count);
        Assert.AreEqual(0.003, point.Histogram.Sum, 1e-12);
        Assert.AreEqual(3UL, point.Histogram.BucketCounts[10]);
        Assert.AreEqual(OtlpEncoder.BoundsSeconds.Count, point.Histogram.ExplicitBounds.Count);
        Assert.AreEqual("Query", point.Attributes["probes.phase"]);
        Assert.AreEqual("orders-1", point.ResourceAttributes["container.name"]);
        Assert.AreEqual("registry.example/orders:1.2", point.ResourceAttributes["container.image.name"]);
        Assert.IsTrue(got.Accepted.All(r => r.Headers.TryGetValue("x-tenant", out string? tenant) && tenant == "t1"), "the configured header went with every request");
        Assert.AreEqual(3, exporter.ExportedSpans);
        Assert.AreEqual(0, exporter.DroppedSpans);
    }

    [TestMethod]
    public async Task An_unreachable_endpoint_never_blocks_the_caller_and_every_lost_span_is_counted_and_reported()
    {
        var warnings = new List<string>();
        // A port nobody listens on: connection refused, over and over.
        var settings = new OtlpSettings(new Uri("http://127.0.0.1:9"), OtlpProtocol.HttpProtobuf, [])
        {
            QueueCapacity = 100,
            ExportInterval = TimeSpan.FromMilliseconds(50),
            DropLogInterval = TimeSpan.FromMilliseconds(200),
        };
        await using var exporter = new OtlpExporter(settings, "node-7", message => { lock (warnings) { warnings.Add(message); } });
        var offering = Stopwatch.StartNew();
        for (ulong i = 1; i <= 10_000; i++)
        {
            exporter.Offer(Span(i, 0, PhaseStatus.Completed));
        }
        offering.Stop();
        Assert.IsTrue(offering.Elapsed < TimeSpan.FromSeconds(2), $"offering 10,000 spans took {offering.Elapsed}");
        await exporter.FlushAndStopAsync(TimeSpan.FromSeconds(5));

        Assert.AreEqual(10_000, exporter.DroppedSpans + exporter.ExportedSpans);
        Assert.AreEqual(0, exporter.ExportedSpans);
        Assert.IsTrue(exporter.FailedRequests > 0);
        lock (warnings)
        {
            Assert.IsTrue(warnings.Count >= 1, "the drops were reported");
            Assert.IsTrue(warnings.Count <= 5, $"reported once per interval, not per span: {warnings.Count} warnings");
            StringAssert.Contains(warnings[^1], "10000 in all");
        }
    }
}
