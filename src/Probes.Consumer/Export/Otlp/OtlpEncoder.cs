using System.Buffers.Binary;
using Probes.Consumer.Phases;

namespace Probes.Consumer.Export.Otlp;

/// <summary>One phase's duration histogram in one container, cumulative since the exporter started.</summary>
public sealed record ExportedHistogram(SpanOrigin Origin, string Phase, string Status, ulong Count, ulong SumNs, ulong MinNs, ulong MaxNs, IReadOnlyList<ulong> BucketCounts);

/// <summary>
/// Encodes spans and histograms as OTLP <c>ExportTraceServiceRequest</c> and
/// <c>ExportMetricsServiceRequest</c> (opentelemetry-proto 1.x field numbers), one resource per
/// process (spans) or container (metrics), with semantic-convention resource attribute names.
/// </summary>
public static class OtlpEncoder
{
    public const string ScopeName = "probes";
    public const string DurationMetric = "probes.phase.duration";

    /// <summary>
    /// Explicit bucket bounds in seconds: 2^5 .. 2^40 ns (32 ns to ~18 min). Every kernel bucket
    /// (<see cref="Bpf.Programs.PhaseBuckets"/>: 32 linear sub-buckets per power of two) lies inside
    /// one of these, so the counts are exact.
    /// </summary>
    public static readonly IReadOnlyList<double> BoundsSeconds = Enumerable.Range(5, 36).Select(power => Math.Pow(2, power) / 1e9).ToArray();

    private const int SpanKindInternal = 1;
    private const int StatusError = 2;
    private const int TemporalityCumulative = 2;

    public static byte[] Traces(IEnumerable<ExportedSpan> spans, string hostName)
    {
        using var request = new ProtoWriter();
        foreach (IGrouping<SpanOrigin, ExportedSpan> process in spans.GroupBy(span => span.Origin))
        {
            request.Message(1, resourceSpans =>
            {
                resourceSpans.Message(1, resource => WriteResource(resource, process.Key, hostName));
                resourceSpans.Message(2, scopeSpans =>
                {
                    scopeSpans.Message(1, scope => scope.String(1, ScopeName));
                    foreach (ExportedSpan span in process)
                    {
                        scopeSpans.Message(2, written => WriteSpan(written, span));
                    }
                });
            });
        }
        return request.ToArray();
    }

    public static byte[] Metrics(IEnumerable<ExportedHistogram> histograms, string hostName, ulong startUnixNs, ulong nowUnixNs)
    {
        using var request = new ProtoWriter();
        foreach (IGrouping<SpanOrigin, ExportedHistogram> container in histograms.GroupBy(h => h.Origin))
        {
            request.Message(1, resourceMetrics =>
            {
                resourceMetrics.Message(1, resource => WriteResource(resource, container.Key, hostName));
                resourceMetrics.Message(2, scopeMetrics =>
                {
                    scopeMetrics.Message(1, scope => scope.String(1, ScopeName));
                    scopeMetrics.Message(2, metric =>
                    {
                        metric.String(1, DurationMetric);
                        metric.String(2, "How long each phase took, timed in the kernel by probes.");
                        metric.String(3, "s");
                        metric.Message(9, histogram =>
                        {
                            foreach (ExportedHistogram row in container)
                            {
                                histogram.Message(1, point => WritePoint(point, row, startUnixNs, nowUnixNs));
                            }
                            histogram.Varint(2, TemporalityCumulative);
                        });
                    });
                });
            });
        }
        return request.ToArray();
    }

    private static void WritePoint(ProtoWriter point, ExportedHistogram row, ulong startUnixNs, ulong nowUnixNs)
    {
        point.Fixed64(2, startUnixNs);
        point.Fixed64(3, nowUnixNs);
        point.Fixed64(4, row.Count);
        point.Double(5, row.SumNs / 1e9);
        point.PackedFixed64(6, row.BucketCounts);
        point.PackedDouble(7, BoundsSeconds);
        point.Message(9, kv => StringAttribute(kv, "probes.phase", row.Phase));
        point.Message(9, kv => StringAttribute(kv, "probes.phase.status", row.Status));
        if (row.Count > 0)
        {
            point.Double(11, row.MinNs / 1e9);
            point.Double(12, row.MaxNs / 1e9);
        }
    }

    private static void WriteSpan(ProtoWriter span, ExportedSpan phase)
    {
        span.Bytes(1, TraceIdBytes(phase.TraceIdHigh, phase.TraceIdLow));
        span.Bytes(2, SpanIdBytes(phase.SpanId));
        if (phase.ParentSpanId != 0)
        {
            span.Bytes(4, SpanIdBytes(phase.ParentSpanId));
        }
        span.String(5, phase.Name);
        span.Varint(6, SpanKindInternal);
        span.Fixed64(7, phase.StartUnixNs);
        span.Fixed64(8, phase.EndUnixNs);
        span.Message(9, kv => StringAttribute(kv, "probes.phase", phase.Name));
        span.Message(9, kv => IntAttribute(kv, "probes.phase.id", phase.PhaseId));
        span.Message(9, kv => IntAttribute(kv, "probes.span_id", unchecked((long)phase.ProbesSpanId)));
        span.Message(9, kv => IntAttribute(kv, "thread.id", phase.ThreadId));
        if (phase.Status == PhaseStatus.Canceled)
        {
            span.Message(9, kv => BoolAttribute(kv, "probes.phase.canceled", true));
        }
        if (phase.Status == PhaseStatus.Faulted)
        {
            span.Message(15, status =>
            {
                status.String(2, "faulted");
                status.Varint(3, StatusError);
            });
        }
    }

    private static void WriteResource(ProtoWriter resource, SpanOrigin origin, string hostName)
    {
        resource.Message(1, kv => StringAttribute(kv, "service.name", origin.ServiceName));
        resource.Message(1, kv => StringAttribute(kv, "host.name", hostName));
        if (origin.Pid != 0)
        {
            resource.Message(1, kv => IntAttribute(kv, "process.pid", origin.Pid));
        }
        if (origin.ContainerId.Length > 0)
        {
            resource.Message(1, kv => StringAttribute(kv, "container.id", origin.ContainerId));
        }
        OptionalString(resource, "container.name", origin.ContainerName);
        OptionalString(resource, "container.image.name", origin.Image);
        OptionalString(resource, "k8s.pod.name", origin.Pod);
        OptionalString(resource, "k8s.namespace.name", origin.Namespace);
    }

    private static void OptionalString(ProtoWriter resource, string key, string? value)
    {
        if (value is { Length: > 0 })
        {
            resource.Message(1, kv => StringAttribute(kv, key, value));
        }
    }

    private static void StringAttribute(ProtoWriter kv, string key, string value)
    {
        kv.String(1, key);
        kv.Message(2, any => any.String(1, value));
    }

    private static void IntAttribute(ProtoWriter kv, string key, long value)
    {
        kv.String(1, key);
        kv.Message(2, any => any.Varint(3, unchecked((ulong)value)));
    }

    private static void BoolAttribute(ProtoWriter kv, string key, bool value)
    {
        kv.String(1, key);
        kv.Message(2, any => any.Bool(2, value));
    }

    public static byte[] TraceIdBytes(ulong high, ulong low)
    {
        byte[] bytes = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, high);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), low);
        return bytes;
    }

    public static byte[] SpanIdBytes(ulong id)
    {
        byte[] bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, id);
        return bytes;
    }
}
