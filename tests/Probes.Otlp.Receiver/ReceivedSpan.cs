using Probes.Otlp.Proto.Common;
using Probes.Otlp.Proto.Trace;

namespace Probes.Otlp.Receiver;

/// <summary>A decoded span with the resource and scope it arrived under.</summary>
public sealed record ReceivedSpan(
    Span Span,
    IReadOnlyDictionary<string, object?> ResourceAttributes,
    InstrumentationScope? Scope,
    OtlpRequest Request)
{
    public string Name => Span.Name;

    /// <summary>32 lowercase hex digits, as <c>ActivityTraceId.ToHexString()</c> writes them.</summary>
    public string TraceId => Convert.ToHexStringLower(Span.TraceId.Span);

    /// <summary>16 lowercase hex digits, as <c>ActivitySpanId.ToHexString()</c> writes them.</summary>
    public string SpanId => Convert.ToHexStringLower(Span.SpanId.Span);

    /// <summary>The parent's span id in hex, or null for a root span (empty parent_span_id).</summary>
    public string? ParentSpanId => Span.ParentSpanId.IsEmpty ? null : Convert.ToHexStringLower(Span.ParentSpanId.Span);

    public IReadOnlyDictionary<string, object?> Attributes => OtlpAttributes.ToDictionary(Span.Attributes);

    /// <summary>End minus start, in nanoseconds as they were sent.</summary>
    public ulong DurationNanoseconds => Span.EndTimeUnixNano - Span.StartTimeUnixNano;

    public override string ToString() => $"{Name} {TraceId}/{SpanId} parent {ParentSpanId ?? "-"}";
}
