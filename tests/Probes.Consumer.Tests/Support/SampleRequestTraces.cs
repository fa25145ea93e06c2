using System.Text.RegularExpressions;
using Probes.Consumer.Export.Otlp;
using Probes.Otlp.Receiver;
using StatusCode = Probes.Otlp.Proto.Trace.Status.Types.StatusCode;

namespace Probes.Consumer.Tests.Support;

/// <summary>
/// What the OTLP test receiver should hold of the sample run with its own OpenTelemetry
/// (<c>--otlp-endpoint</c>) while probes exports its phases: each request's trace with the app's
/// span and the phase spans under it, the startup phases in a trace of their own, and histograms
/// that count what the sample counted itself. Shared by the phases and the agent tests.
/// </summary>
public static partial class SampleRequestTraces
{
    /// <summary>The sample's requests as it printed them: each one's trace id and its activity's span id.</summary>
    public static List<(string Trace, string Span)> Requests(string stdout) =>
        RequestLine().Matches(stdout).Select(m => (m.Groups["trace"].Value, m.Groups["span"].Value)).ToList();

    /// <summary>Every request's trace holds its app span and its three phases.</summary>
    public static bool AllArrived(OtlpReceived received, IEnumerable<(string Trace, string Span)> requests) =>
        requests.All(q => received.SpansOfTrace(q.Trace).Count >= 4);

    /// <summary>
    /// Per request: HandleRequest is a child of the app's span, Query and Render children of it,
    /// every 4th Query faulted, the phase inside the app's span on the wall clock. Returns each
    /// request's app and HandleRequest spans for the caller's own checks.
    /// </summary>
    public static List<(ReceivedSpan App, ReceivedSpan Handle)> AssertPhasesUnderRequests(OtlpReceived got, IReadOnlyList<(string Trace, string Span)> requests)
    {
        var found = new List<(ReceivedSpan, ReceivedSpan)>();
        for (int i = 0; i < requests.Count; i++)
        {
            IReadOnlyList<ReceivedSpan> trace = got.SpansOfTrace(requests[i].Trace);
            string shown = string.Join("\n", trace);
            ReceivedSpan app = trace.Single(s => s.Name == "request");
            Assert.AreEqual(requests[i].Span, app.SpanId);
            ReceivedSpan handle = trace.Single(s => s.Name == "HandleRequest");
            ReceivedSpan query = trace.Single(s => s.Name == "Query");
            ReceivedSpan render = trace.Single(s => s.Name == "Render");
            Assert.AreEqual(app.SpanId, handle.ParentSpanId, $"request {i + 1}: the phase is a child of the app's span\n{shown}");
            Assert.AreEqual(handle.SpanId, query.ParentSpanId, shown);
            Assert.AreEqual(handle.SpanId, render.ParentSpanId, shown);
            Assert.AreEqual(Probes.Otlp.Proto.Trace.Span.Types.SpanKind.Internal, handle.Span.Kind);
            bool faulted = (i + 1) % 4 == 0;
            Assert.AreEqual(faulted ? StatusCode.Error : StatusCode.Unset, query.Span.Status?.Code ?? StatusCode.Unset, $"request {i + 1}: every 4th query faults");
            Assert.IsTrue(handle.Span.StartTimeUnixNano >= app.Span.StartTimeUnixNano && handle.Span.EndTimeUnixNano <= app.Span.EndTimeUnixNano + 1_000_000,
                $"request {i + 1}: the phase lies inside the app's span on the wall clock\n{shown}");
            found.Add((app, handle));
        }
        return found;
    }

    /// <summary>Phases outside any activity (Startup, LoadConfig): a trace of their own, rooted at the outermost phase.</summary>
    public static void AssertStartupHasItsOwnTrace(OtlpReceived got, Func<ReceivedSpan, bool> ours, IReadOnlyList<(string Trace, string Span)> requests)
    {
        ReceivedSpan startup = got.SpansNamed("Startup").Single(ours);
        Assert.IsNull(startup.ParentSpanId);
        ReceivedSpan loadConfig = got.SpansNamed("LoadConfig").Single(ours);
        Assert.AreEqual(startup.TraceId, loadConfig.TraceId);
        Assert.AreEqual(startup.SpanId, loadConfig.ParentSpanId);
        Assert.IsFalse(requests.Any(q => q.Trace == startup.TraceId));
    }

    /// <summary>The phase's count in the latest histogram point of each status, summed, of the resources <paramref name="ours"/> picks.</summary>
    public static ulong ExportedCount(OtlpReceived received, Func<ReceivedDataPoint, bool> ours, string phase) =>
        received.DataPoints(OtlpEncoder.DurationMetric)
            .Where(p => ours(p) && (string?)p.Attributes["probes.phase"] == phase)
            .GroupBy(p => (string?)p.Attributes["probes.phase.status"])
            .Select(status => status.Last().Histogram!.Count)
            .Aggregate(0UL, (sum, count) => sum + count);

    [GeneratedRegex(@"request \d+ trace=(?<trace>[0-9a-f]{32}) span=(?<span>[0-9a-f]{16})")]
    private static partial Regex RequestLine();
}
