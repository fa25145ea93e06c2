using System.Text.Json.Serialization;

namespace Probes.Consumer.Output.Json;

/// <summary><c>probes phases --format json</c>: durations in integer nanoseconds, so scripts never parse units.</summary>
public sealed record PhaseReportJson(
    IReadOnlyList<PhaseRowJson> Phases,
    long Lost,
    int Unfinished,
    long EndsWithoutBegin,
    long DroppedBegins,
    long NotTabulated,
    IReadOnlyList<UnfinishedPhaseJson> UnfinishedPhases,
    IReadOnlyList<MarkRowJson> Marks,
    string Pairing,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ulong? EvictedBegins = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ulong? PendingMapFull = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ulong? HistogramMapFull = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ulong? StatisticsMapFull = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Unattributed = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SlowPhasesJson? Slow = null);

/// <summary><c>--slow</c>: the threshold, how many instances reached it, and the slowest of them (slowest first).</summary>
public sealed record SlowPhasesJson(ulong ThresholdNs, long Count, IReadOnlyList<SlowPhaseJson> Instances);

/// <summary>
/// One slow instance: <c>parent_chain</c> names its parents outermost first, as far as known;
/// <c>tid</c> is the thread that ended it; <c>started_at</c> is UTC, ISO 8601, in microseconds.
/// </summary>
public sealed record SlowPhaseJson(
    string Name,
    uint Id,
    string Container,
    string ContainerId,
    int Pid,
    int Tid,
    ulong Span,
    ulong Parent,
    IReadOnlyList<string> ParentChain,
    string Status,
    ulong DurationNs,
    string StartedAt);

/// <summary>One phase in one container.</summary>
public sealed record PhaseRowJson(
    string Name,
    uint Id,
    string Container,
    string ContainerId,
    long Count,
    ulong TotalNs,
    ulong MinNs,
    [property: JsonPropertyName("p50_ns")] ulong P50Ns,
    [property: JsonPropertyName("p90_ns")] ulong P90Ns,
    [property: JsonPropertyName("p99_ns")] ulong P99Ns,
    ulong MaxNs,
    long Faulted,
    long Canceled);

/// <summary>A phase that began and had not ended when tracing stopped.</summary>
public sealed record UnfinishedPhaseJson(string Name, uint Id, string Container, int Pid, ulong Span, ulong Parent);

/// <summary>One mark in one container: how often it fired and its values' last, min and max.</summary>
public sealed record MarkRowJson(string Name, uint Id, string Container, string ContainerId, long Count, long Last, long Min, long Max);

/// <summary><c>probes phases --format tree-json</c>: one tree per container, nodes nested under <c>children</c>.</summary>
public sealed record PhaseTreeJson(IReadOnlyList<ContainerTreeJson> Containers, long ParentNotSeen, long NotPlaced);

/// <summary>The tree of one container; <c>container_id</c> is null when every container is merged.</summary>
public sealed record ContainerTreeJson(string Container, string? ContainerId, IReadOnlyList<PhaseTreeNodeJson> Phases);

/// <summary>
/// One place in the tree: <c>self_ns</c> is the time not covered by any child (concurrent children
/// counted once), <c>max_concurrent</c> the most instances at once under one parent instance,
/// <c>deeper_not_shown</c> how many nodes lie below a node at the shown depth limit.
/// </summary>
public sealed record PhaseTreeNodeJson(
    string Name,
    uint Id,
    long Count,
    ulong TotalNs,
    ulong SelfNs,
    [property: JsonPropertyName("p50_ns")] ulong P50Ns,
    [property: JsonPropertyName("p99_ns")] ulong P99Ns,
    long Faulted,
    long Canceled,
    int MaxConcurrent,
    long Unfinished,
    IReadOnlyList<PhaseTreeNodeJson> Children,
    long DeeperNotShown);

/// <summary>
/// <c>probes phases --interval</c> piped or with <c>--format json</c>: one line per window.
/// <c>end</c> is UTC ISO 8601; <c>final</c> marks the last window (cut short when tracing stopped).
/// </summary>
public sealed record PhaseWindowJson(string End, double Seconds, bool Final, IReadOnlyList<PhaseWindowRowJson> Phases, long Lost, int Unfinished);

/// <summary>One phase in a window: <c>count</c>, <c>per_second</c>, <c>p50_ns</c>, <c>p99_ns</c>, <c>faulted</c>, <c>canceled</c> in the window; <c>total_*</c> since the attach.</summary>
public sealed record PhaseWindowRowJson(
    string Name,
    uint Id,
    string Container,
    string ContainerId,
    long Count,
    double PerSecond,
    ulong TotalNs,
    [property: JsonPropertyName("p50_ns")] ulong P50Ns,
    [property: JsonPropertyName("p99_ns")] ulong P99Ns,
    long Faulted,
    long Canceled,
    long TotalCount,
    [property: JsonPropertyName("total_p50_ns")] ulong TotalP50Ns,
    [property: JsonPropertyName("total_p99_ns")] ulong TotalP99Ns);
