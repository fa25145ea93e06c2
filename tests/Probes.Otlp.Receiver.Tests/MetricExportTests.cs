using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Probes.Otlp.Proto.Metrics;
using Probes.Otlp.Receiver;
using AggregationTemporality = Probes.Otlp.Proto.Metrics.AggregationTemporality;
using Exemplar = Probes.Otlp.Proto.Metrics.Exemplar;
using Metric = Probes.Otlp.Proto.Metrics.Metric;

namespace Probes.Otlp.Receiver.Tests;

/// <summary>
/// The official exporter sends a histogram with explicit buckets, an exponential histogram, a
/// counter and a gauge; the receiver must decode the same counts, sums, buckets, scale,
/// offsets (zigzag sint32), exemplars, attributes, temporality and resource.
/// </summary>
[TestClass]
public sealed class MetricExportTests
{
    private static readonly double[] Bounds = [1, 5, 10, 50, 100];

    [TestMethod]
    [DataRow(OtlpTransport.Grpc, MetricReaderTemporalityPreference.Cumulative)]
    [DataRow(OtlpTransport.HttpProtobuf, MetricReaderTemporalityPreference.Delta)]
    public async Task MetricsArriveExactlyAsExported(OtlpTransport transport, MetricReaderTemporalityPreference temporality)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        string meterName = $"Probes.Otlp.Tests.{Guid.NewGuid():N}";
        using var meter = new Meter(meterName, "2.0");
        Histogram<double> durations = meter.CreateHistogram<double>("probes.phase.duration", unit: "ms");
        Histogram<double> exponential = meter.CreateHistogram<double>("probes.phase.duration.exp", unit: "ms");
        Counter<long> count = meter.CreateCounter<long>("probes.phase.count");
        meter.CreateObservableGauge("probes.queue.depth", () => new Measurement<double>(12.5, new KeyValuePair<string, object?>("queue", "render")));

        using MeterProvider provider = OfficialExporter.Metrics(meterName, receiver, transport,
            views: b => b
                .AddView("probes.phase.duration", new ExplicitBucketHistogramConfiguration { Boundaries = Bounds })
                .AddView("probes.phase.duration.exp", new Base2ExponentialBucketHistogramConfiguration { MaxSize = 160 })
                .SetExemplarFilter(ExemplarFilterType.AlwaysOn),
            resource: r => r.AddService("orders-api").AddAttributes([new("container.id", "c0ffee")]),
            temporality: temporality);

        var recorded = new Dictionary<string, double[]>
        {
            // 5 and 10 sit on bounds: OTLP buckets are upper-inclusive.
            ["Query"] = [0.5, 3, 5, 7, 7, 42],
            ["Render"] = [10, 10.5, 99],
        };
        foreach ((string phase, double[] values) in recorded)
        {
            foreach (double value in values)
            {
                durations.Record(value, new KeyValuePair<string, object?>("probes.phase", phase));
            }
            count.Add(values.Length, new KeyValuePair<string, object?>("probes.phase", phase));
        }
        // Alone in the overflow bucket, and inside a span: its exemplar must carry the span.
        (string TraceId, string SpanId) tracedIds;
        using (var traced = new Activity("traced").SetIdFormat(ActivityIdFormat.W3C))
        {
            traced.ActivityTraceFlags = ActivityTraceFlags.Recorded;
            traced.Start();
            durations.Record(250, new KeyValuePair<string, object?>("probes.phase", "Query"));
            recorded["Query"] = [.. recorded["Query"], 250];
            count.Add(1, new KeyValuePair<string, object?>("probes.phase", "Query"));
            traced.Stop();
            tracedIds = (traced.TraceId.ToHexString(), traced.SpanId.ToHexString());
        }
        // 0 lands in the zero bucket; 0.3 gives a negative bucket index.
        double[] exponentialValues = [0, 0.3, 3, 7, 100, 1000];
        foreach (double value in exponentialValues)
        {
            exponential.Record(value);
        }

        Assert.IsTrue(provider.ForceFlush(10_000), "the exporter did not flush");
        OtlpReceived got = await receiver.WaitForAsync(r => r.DataPoints("probes.phase.duration").Count >= 2, OfficialExporter.Patience);
        AggregationTemporality expectedTemporality = temporality == MetricReaderTemporalityPreference.Delta
            ? AggregationTemporality.Delta : AggregationTemporality.Cumulative;

        // Explicit buckets, per attribute set.
        IReadOnlyList<ReceivedDataPoint> points = got.DataPoints("probes.phase.duration");
        Assert.HasCount(2, points, got.Describe());
        foreach ((string phase, double[] values) in recorded)
        {
            ReceivedDataPoint point = points.Single(p => (string?)p.Attributes["probes.phase"] == phase);
            HistogramDataPoint histogram = point.Histogram!;
            Assert.AreEqual(Metric.DataOneofCase.Histogram, point.Kind);
            Assert.AreEqual(expectedTemporality, point.Temporality);
            Assert.AreEqual("ms", point.Metric.Unit);
            Assert.AreEqual((ulong)values.Length, histogram.Count, phase);
            Assert.AreEqual(values.Sum(), histogram.Sum, 1e-9, phase);
            Assert.AreEqual(values.Min(), histogram.Min, phase);
            Assert.AreEqual(values.Max(), histogram.Max, phase);
            CollectionAssert.AreEqual(Bounds, histogram.ExplicitBounds.ToArray(), phase);
            CollectionAssert.AreEqual(ExplicitBucketCounts(values, Bounds), histogram.BucketCounts.ToArray(), phase);
            Assert.IsLessThanOrEqualTo(histogram.TimeUnixNano, histogram.StartTimeUnixNano);
            Assert.AreEqual(meterName, point.Scope?.Name);
            Assert.AreEqual("2.0", point.Scope?.Version);
            Assert.AreEqual("orders-api", point.ResourceAttributes["service.name"]);
            Assert.AreEqual("c0ffee", point.ResourceAttributes["container.id"]);
            foreach (Exemplar exemplar in histogram.Exemplars)
            {
                CollectionAssert.Contains(values, exemplar.AsDouble, phase);
            }
        }
        Exemplar tracedExemplar = points.Single(p => (string?)p.Attributes["probes.phase"] == "Query")
            .Histogram!.Exemplars.Single(e => e.AsDouble == 250);
        Assert.AreEqual(tracedIds.TraceId, Convert.ToHexStringLower(tracedExemplar.TraceId.Span));
        Assert.AreEqual(tracedIds.SpanId, Convert.ToHexStringLower(tracedExemplar.SpanId.Span));

        // The exponential histogram: counts, zero bucket, and every value in the bucket its
        // index says at the scale the SDK chose.
        ExponentialHistogramDataPoint exp = got.DataPoints("probes.phase.duration.exp").Single().ExponentialHistogram!;
        Assert.AreEqual((ulong)exponentialValues.Length, exp.Count);
        Assert.AreEqual(1ul, exp.ZeroCount);
        Assert.AreEqual(exponentialValues.Sum(), exp.Sum, 1e-9);
        Assert.AreEqual(0.0, exp.Min);
        Assert.AreEqual(1000.0, exp.Max);
        Assert.AreEqual(0, exp.Negative?.BucketCounts.Count ?? 0);
        double[] positives = exponentialValues.Where(v => v > 0).ToArray();
        CollectionAssert.AreEquivalent(ExponentialBuckets(positives, exp.Scale), DecodedBuckets(exp.Positive));
        // The SDK picks the finest scale whose index range fits MaxSize; one finer must not fit.
        Assert.IsLessThanOrEqualTo(160, IndexSpan(positives, exp.Scale));
        Assert.IsGreaterThan(160, IndexSpan(positives, exp.Scale + 1));
        Assert.IsLessThan(0, exp.Positive.Offset, "0.3 lies below 1, so the first bucket index is negative");

        // The counter (a monotonic Sum of integers) and the gauge.
        foreach ((string phase, double[] values) in recorded)
        {
            ReceivedDataPoint sum = got.DataPoints("probes.phase.count").Single(p => (string?)p.Attributes["probes.phase"] == phase);
            Assert.AreEqual(Metric.DataOneofCase.Sum, sum.Kind);
            Assert.IsTrue(sum.Metric.Sum.IsMonotonic);
            Assert.AreEqual(expectedTemporality, sum.Temporality);
            Assert.AreEqual((long)values.Length, sum.Number!.AsInt, phase);
        }
        ReceivedDataPoint gauge = got.DataPoints("probes.queue.depth").Single();
        Assert.AreEqual(Metric.DataOneofCase.Gauge, gauge.Kind);
        Assert.AreEqual(12.5, gauge.Number!.AsDouble);
        Assert.AreEqual("render", gauge.Attributes["queue"]);
    }

    // Bucket i counts values in (bounds[i-1], bounds[i]]; the last counts values above every bound.
    private static ulong[] ExplicitBucketCounts(double[] values, double[] bounds)
    {
        var counts = new ulong[bounds.Length + 1];
        foreach (double value in values)
        {
            int bucket = Array.FindIndex(bounds, bound => value <= bound);
            counts[bucket < 0 ? bounds.Length : bucket]++;
        }
        return counts;
    }

    // Base 2^(2^-scale); index i holds (base^i, base^(i+1)]. The test's values sit far from bucket edges.
    private static int ExponentialIndex(double value, int scale) => (int)Math.Ceiling(Math.Log2(value) * Math.Pow(2, scale)) - 1;

    private static string[] ExponentialBuckets(double[] values, int scale) =>
        values.GroupBy(v => ExponentialIndex(v, scale)).Select(g => $"{g.Key}:{g.Count()}").ToArray();

    private static string[] DecodedBuckets(ExponentialHistogramDataPoint.Types.Buckets buckets) =>
        buckets.BucketCounts.Select((count, i) => (Index: buckets.Offset + i, Count: count))
            .Where(b => b.Count > 0).Select(b => $"{b.Index}:{b.Count}").ToArray();

    private static int IndexSpan(double[] values, int scale) =>
        values.Max(v => ExponentialIndex(v, scale)) - values.Min(v => ExponentialIndex(v, scale)) + 1;
}
