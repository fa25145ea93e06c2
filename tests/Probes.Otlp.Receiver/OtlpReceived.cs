using System.Diagnostics;
using Google.Protobuf;
using Probes.Otlp.Proto.Metrics;
using Probes.Otlp.Proto.Resource;

namespace Probes.Otlp.Receiver;

/// <summary>
/// An immutable snapshot of everything the receiver has seen, with the queries tests want.
/// The span and data point queries read accepted requests only: a refused request was never
/// delivered, and a client that retries it sends it again.
/// </summary>
public sealed class OtlpReceived
{
    internal OtlpReceived(IReadOnlyList<OtlpRequest> requests) => Requests = requests;

    /// <summary>Every request in arrival order, whatever the receiver answered.</summary>
    public IReadOnlyList<OtlpRequest> Requests { get; }

    public IEnumerable<OtlpRequest> Accepted => Requests.Where(r => r.Outcome == OtlpOutcome.Accepted);

    public IEnumerable<OtlpRequest> Refused => Requests.Where(r => r.Outcome == OtlpOutcome.Refused);

    /// <summary>Every accepted span, each with its resource's attributes.</summary>
    public IReadOnlyList<ReceivedSpan> Spans() =>
        (from request in Accepted
         where request.Traces is not null
         from resourceSpans in request.Traces!.ResourceSpans
         let resource = ResourceAttributes(resourceSpans.Resource)
         from scopeSpans in resourceSpans.ScopeSpans
         from span in scopeSpans.Spans
         select new ReceivedSpan(span, resource, scopeSpans.Scope, request)).ToList();

    public IReadOnlyList<ReceivedSpan> SpansOfTrace(ActivityTraceId traceId) => SpansOfTrace(traceId.ToHexString());

    /// <summary>The spans of one trace; the id in hex, either case.</summary>
    public IReadOnlyList<ReceivedSpan> SpansOfTrace(string traceIdHex) =>
        Spans().Where(s => string.Equals(s.TraceId, traceIdHex, StringComparison.OrdinalIgnoreCase)).ToList();

    public IReadOnlyList<ReceivedSpan> SpansNamed(string name) =>
        Spans().Where(s => s.Name == name).ToList();

    /// <summary>Every accepted metric of that name (one per export that carried it).</summary>
    public IReadOnlyList<Metric> Metrics(string name) =>
        (from request in Accepted
         where request.Metrics is not null
         from resourceMetrics in request.Metrics!.ResourceMetrics
         from scopeMetrics in resourceMetrics.ScopeMetrics
         from metric in scopeMetrics.Metrics
         where metric.Name == name
         select metric).ToList();

    /// <summary>
    /// The data points of every accepted metric of that name, in arrival order, each with its
    /// attributes and its resource's attributes. With cumulative temporality the last point per
    /// attribute set is the current total; with delta, points add up.
    /// </summary>
    public IReadOnlyList<ReceivedDataPoint> DataPoints(string metricName) =>
        (from request in Accepted
         where request.Metrics is not null
         from resourceMetrics in request.Metrics!.ResourceMetrics
         let resource = ResourceAttributes(resourceMetrics.Resource)
         from scopeMetrics in resourceMetrics.ScopeMetrics
         from metric in scopeMetrics.Metrics
         where metric.Name == metricName
         from point in PointsOf(metric)
         select new ReceivedDataPoint(metric, point.Message, OtlpAttributes.ToDictionary(point.Attributes),
             resource, scopeMetrics.Scope, request)).ToList();

    /// <summary>A resource's attributes as a dictionary (empty for a missing resource).</summary>
    public static IReadOnlyDictionary<string, object?> ResourceAttributes(Resource? resource) =>
        resource is null ? new Dictionary<string, object?>() : OtlpAttributes.ToDictionary(resource.Attributes);

    /// <summary>A one-line account of what arrived, for failure messages.</summary>
    public string Describe()
    {
        var outcomes = Requests.GroupBy(r => $"{r.Transport}/{r.Signal}/{r.Outcome}").Select(g => $"{g.Key}: {g.Count()}");
        var spanNames = Spans().Select(s => s.Name).Distinct().Take(20);
        var metricNames = Accepted.Where(r => r.Metrics is not null)
            .SelectMany(r => r.Metrics!.ResourceMetrics).SelectMany(r => r.ScopeMetrics).SelectMany(s => s.Metrics)
            .Select(m => m.Name).Distinct().Take(20);
        return $"{Requests.Count} request(s) [{string.Join(", ", outcomes)}]; spans [{string.Join(", ", spanNames)}]; " +
               $"metrics [{string.Join(", ", metricNames)}]";
    }

    private static IEnumerable<(IMessage Message, IEnumerable<Proto.Common.KeyValue> Attributes)> PointsOf(Metric metric) =>
        metric.DataCase switch
        {
            Metric.DataOneofCase.Gauge => metric.Gauge.DataPoints.Select(p => ((IMessage)p, (IEnumerable<Proto.Common.KeyValue>)p.Attributes)),
            Metric.DataOneofCase.Sum => metric.Sum.DataPoints.Select(p => ((IMessage)p, (IEnumerable<Proto.Common.KeyValue>)p.Attributes)),
            Metric.DataOneofCase.Histogram => metric.Histogram.DataPoints.Select(p => ((IMessage)p, (IEnumerable<Proto.Common.KeyValue>)p.Attributes)),
            Metric.DataOneofCase.ExponentialHistogram => metric.ExponentialHistogram.DataPoints.Select(p => ((IMessage)p, (IEnumerable<Proto.Common.KeyValue>)p.Attributes)),
            Metric.DataOneofCase.Summary => metric.Summary.DataPoints.Select(p => ((IMessage)p, (IEnumerable<Proto.Common.KeyValue>)p.Attributes)),
            _ => [],
        };
}
