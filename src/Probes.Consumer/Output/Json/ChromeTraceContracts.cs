using System.Text.Json.Serialization;

namespace Probes.Consumer.Output.Json;

/// <summary>
/// The Chrome trace event format (opens in Perfetto, chrome://tracing and speedscope): its own
/// camelCase keys at the top, and the trace's wall-clock origin in <c>metadata</c>.
/// </summary>
public sealed record ChromeTraceJson(
    [property: JsonPropertyName("displayTimeUnit")] string DisplayTimeUnit,
    [property: JsonPropertyName("metadata")] ChromeTraceMetadataJson Metadata,
    [property: JsonPropertyName("traceEvents")] IReadOnlyList<ChromeEventJson> TraceEvents);

/// <summary>What a reader needs to place the trace in time: the wall-clock moment of <c>ts</c> 0.</summary>
public sealed record ChromeTraceMetadataJson(
    string ClockOrigin,
    long ClockOriginUnixNs,
    ulong ClockOriginMonotonicNs,
    string Clock,
    long PhasesNotKept);

/// <summary>
/// One event: metadata ("M": a process or track name), complete ("X": one phase), instant
/// ("i": one mark), or flow start and end ("s", "f": a parent's arrow to its child).
/// </summary>
public sealed record ChromeEventJson
{
    public required string Ph { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Cat { get; init; }

    public required string Name { get; init; }

    public required int Pid { get; init; }

    public required int Tid { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Ts { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Dur { get; init; }

    /// <summary>A flow's id (unique in the trace).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Id { get; init; }

    /// <summary>A flow end's binding point: "e", the slice that encloses it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Bp { get; init; }

    /// <summary>An instant's scope: "p", the process.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? S { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ChromeArgsJson? Args { get; init; }
}

/// <summary>A metadata event's name; a phase's id, span, parent, status and real threads; a mark's id, value and thread.</summary>
public sealed record ChromeArgsJson
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Name { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public uint? Id { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ulong? Span { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ulong? Parent { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Status { get; init; }

    /// <summary>The thread the phase began on (a mark: fired on).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Tid { get; init; }

    /// <summary>The thread the phase ended on; an async phase often ends on another.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? EndTid { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Value { get; init; }
}
