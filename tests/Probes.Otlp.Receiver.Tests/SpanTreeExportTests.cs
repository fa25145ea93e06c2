using System.Diagnostics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Probes.Otlp.Proto.Trace;
using Status = Probes.Otlp.Proto.Trace.Status;
using Probes.Otlp.Receiver;

namespace Probes.Otlp.Receiver.Tests;

/// <summary>
/// The official exporter sends a span tree; the receiver must decode exactly what was exported:
/// ids, parents, names, kinds, times, attributes of every type, events, links, status, flags,
/// trace state, scope and resource.
/// </summary>
[TestClass]
public sealed class SpanTreeExportTests
{
    private const string ContainerId = "4f1a0c3b9e2d7a6581c4b3a2f1e0d9c8b7a6f5e4d3c2b1a09f8e7d6c5b4a3f2e";

    [TestMethod]
    [DataRow(OtlpTransport.Grpc)]
    [DataRow(OtlpTransport.HttpProtobuf)]
    public async Task SpanTreeArrivesExactlyAsExported(OtlpTransport transport)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        string sourceName = $"Probes.Otlp.Tests.{Guid.NewGuid():N}";
        using var source = new ActivitySource(sourceName, "1.2.3");
        using TracerProvider provider = OfficialExporter.Traces(sourceName, receiver, transport,
            resource: r => r.AddService("orders-api", serviceVersion: "7.0")
                .AddAttributes([new("container.id", ContainerId), new("k8s.pod.name", "orders-7d9f")]));

        var linked = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(),
            ActivityTraceFlags.Recorded, "vendor=linked", isRemote: true);
        Activity request, authorize, query, render;
        using (request = source.StartActivity("GET /orders", ActivityKind.Server)!)
        {
            request.TraceStateString = "probes=phase";
            request.SetTag("http.request.method", "GET");
            request.SetTag("http.response.status_code", 500L);
            using (authorize = source.StartActivity("Authorize")!)
            {
                authorize.SetTag("probes.phase", "Authorize");
                authorize.SetTag("probes.cached", true);
            }
            using (query = source.StartActivity("Query", ActivityKind.Client, default(ActivityContext),
                links: [new ActivityLink(linked, new ActivityTagsCollection { ["link.reason"] = "batch" })])!)
            {
                query.SetTag("db.rows", 42L);
                query.SetTag("db.ratio", 0.25);
                query.SetTag("db.tables", new[] { "orders", "lines" });
                query.SetTag("db.shards", new long[] { 3, 5, 8 });
                query.AddEvent(new ActivityEvent("retry", tags: new ActivityTagsCollection { ["attempt"] = 2L }));
                query.SetStatus(ActivityStatusCode.Error, "deadline exceeded");
                using (render = source.StartActivity("Render", ActivityKind.Producer)!)
                {
                    render.SetTag("probes.bytes", 1024L);
                }
            }
        }

        Assert.IsTrue(provider.ForceFlush(10_000), "the exporter did not flush");
        OtlpReceived got = await receiver.WaitForAsync(r => r.SpansOfTrace(request.TraceId).Count >= 4, OfficialExporter.Patience);

        IReadOnlyList<ReceivedSpan> spans = got.SpansOfTrace(request.TraceId);
        Assert.HasCount(4, spans, got.Describe());
        foreach (Activity activity in new[] { request, authorize, query, render })
        {
            ReceivedSpan span = spans.Single(s => s.SpanId == activity.SpanId.ToHexString());
            AssertSameSpan(activity, span);
            Assert.AreEqual(sourceName, span.Scope?.Name);
            Assert.AreEqual("1.2.3", span.Scope?.Version);
            Assert.AreEqual("orders-api", span.ResourceAttributes["service.name"]);
            Assert.AreEqual("7.0", span.ResourceAttributes["service.version"]);
            Assert.AreEqual(ContainerId, span.ResourceAttributes["container.id"]);
            Assert.AreEqual("orders-7d9f", span.ResourceAttributes["k8s.pod.name"]);
        }

        // The tree: one root, two children of the request, one grandchild under Query.
        ReceivedSpan root = spans.Single(s => s.ParentSpanId is null);
        Assert.AreEqual("GET /orders", root.Name);
        CollectionAssert.AreEquivalent(new[] { "Authorize", "Query" },
            spans.Where(s => s.ParentSpanId == root.SpanId).Select(s => s.Name).ToArray());
        Assert.AreEqual(spans.Single(s => s.Name == "Query").SpanId, spans.Single(s => s.Name == "Render").ParentSpanId);

        // Values of every attribute type come back as the types that were set.
        ReceivedSpan querySpan = spans.Single(s => s.Name == "Query");
        CollectionAssert.AreEqual(new object?[] { "orders", "lines" }, (object?[])querySpan.Attributes["db.tables"]!);
        CollectionAssert.AreEqual(new object?[] { 3L, 5L, 8L }, (object?[])querySpan.Attributes["db.shards"]!);
        Assert.AreEqual(Status.Types.StatusCode.Error, querySpan.Span.Status.Code);
        Assert.AreEqual("deadline exceeded", querySpan.Span.Status.Message);
        Assert.AreEqual(Span.Types.SpanKind.Client, querySpan.Span.Kind);

        Span.Types.Link link = querySpan.Span.Links.Single();
        Assert.AreEqual(linked.TraceId.ToHexString(), Convert.ToHexStringLower(link.TraceId.Span));
        Assert.AreEqual(linked.SpanId.ToHexString(), Convert.ToHexStringLower(link.SpanId.Span));
        Assert.AreEqual("vendor=linked", link.TraceState);
        Assert.AreEqual("batch", OtlpAttributes.ToDictionary(link.Attributes)["link.reason"]);
        // Sampled, and the link's context is known to be remote (OTLP's bits 8 and 9).
        Assert.AreEqual(0x301u, link.Flags);

        Span.Types.Event retry = querySpan.Span.Events.Single();
        Assert.AreEqual("retry", retry.Name);
        Assert.AreEqual(2L, OtlpAttributes.ToDictionary(retry.Attributes)["attempt"]);
        Assert.AreEqual(UnixNanos(query.Events.Single().Timestamp.UtcDateTime), retry.TimeUnixNano);

        Assert.AreEqual("probes=phase", root.Span.TraceState);
        Assert.AreEqual(Span.Types.SpanKind.Server, root.Span.Kind);
        Assert.AreEqual(Span.Types.SpanKind.Internal, spans.Single(s => s.Name == "Authorize").Span.Kind);
        Assert.AreEqual(Span.Types.SpanKind.Producer, spans.Single(s => s.Name == "Render").Span.Kind);
        Assert.AreEqual(Status.Types.StatusCode.Unset, root.Span.Status?.Code ?? Status.Types.StatusCode.Unset);

        OtlpRequest carrier = root.Request;
        Assert.AreEqual(transport, carrier.Transport);
        Assert.AreEqual(transport == OtlpTransport.Grpc ? "HTTP/2" : "HTTP/1.1", carrier.HttpProtocol);
        Assert.AreEqual(transport == OtlpTransport.Grpc ? "/opentelemetry.proto.collector.trace.v1.TraceService/Export" : "/v1/traces", carrier.Path);
        Assert.IsFalse(carrier.Compressed);
    }

    private static void AssertSameSpan(Activity activity, ReceivedSpan span)
    {
        Assert.AreEqual(activity.TraceId.ToHexString(), span.TraceId);
        Assert.AreEqual(activity.Parent is null ? null : activity.ParentSpanId.ToHexString(), span.ParentSpanId, activity.DisplayName);
        Assert.AreEqual(activity.DisplayName, span.Name);
        ulong start = UnixNanos(activity.StartTimeUtc);
        Assert.AreEqual(start, span.Span.StartTimeUnixNano, activity.DisplayName);
        Assert.AreEqual(start + (ulong)activity.Duration.Ticks * 100, span.Span.EndTimeUnixNano, activity.DisplayName);
        Assert.AreEqual((ulong)activity.Duration.Ticks * 100, span.DurationNanoseconds);
        // W3C flags in the low byte (sampled), bit 8: whether the parent is remote is known.
        Assert.AreEqual((uint)activity.ActivityTraceFlags | 0x100u, span.Span.Flags, activity.DisplayName);

        IReadOnlyDictionary<string, object?> attributes = span.Attributes;
        var expected = activity.TagObjects.ToDictionary(t => t.Key, t => t.Value);
        CollectionAssert.AreEquivalent(expected.Keys.ToArray(), attributes.Keys.ToArray(), activity.DisplayName);
        foreach ((string key, object? value) in expected)
        {
            if (value is Array array)
            {
                CollectionAssert.AreEqual(array.Cast<object?>().ToArray(), (object?[])attributes[key]!, key);
            }
            else
            {
                Assert.AreEqual(value, attributes[key], key);
            }
        }
    }

    private static ulong UnixNanos(DateTime utc) => (ulong)(utc - DateTime.UnixEpoch).Ticks * 100;
}
