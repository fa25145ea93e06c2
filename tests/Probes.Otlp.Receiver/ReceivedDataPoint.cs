using Google.Protobuf;
using Probes.Otlp.Proto.Common;
using Probes.Otlp.Proto.Metrics;

namespace Probes.Otlp.Receiver;

/// <summary>
/// One decoded data point of a metric, with the metric, resource and scope it arrived under.
/// Exactly one of <see cref="Number"/>, <see cref="Histogram"/>,
/// <see cref="ExponentialHistogram"/> and <see cref="Summary"/> is set, after the metric's kind.
/// </summary>
public sealed record ReceivedDataPoint(
    Metric Metric,
    IMessage Point,
    IReadOnlyDictionary<string, object?> Attributes,
    IReadOnlyDictionary<string, object?> ResourceAttributes,
    InstrumentationScope? Scope,
    OtlpRequest Request)
{
    public Metric.DataOneofCase Kind => Metric.DataCase;

    /// <summary>Gauge and Sum points.</summary>
    public NumberDataPoint? Number => Point as NumberDataPoint;

    public HistogramDataPoint? Histogram => Point as HistogramDataPoint;

    public ExponentialHistogramDataPoint? ExponentialHistogram => Point as ExponentialHistogramDataPoint;

    public SummaryDataPoint? Summary => Point as SummaryDataPoint;

    /// <summary>The temporality of the Sum or histogram the point belongs to (Unspecified for gauges and summaries).</summary>
    public AggregationTemporality Temporality => Metric.DataCase switch
    {
        Metric.DataOneofCase.Sum => Metric.Sum.AggregationTemporality,
        Metric.DataOneofCase.Histogram => Metric.Histogram.AggregationTemporality,
        Metric.DataOneofCase.ExponentialHistogram => Metric.ExponentialHistogram.AggregationTemporality,
        _ => AggregationTemporality.Unspecified,
    };

    public override string ToString() => $"{Metric.Name} {Kind} {string.Join(",", Attributes.Select(a => $"{a.Key}={a.Value}"))}";
}
