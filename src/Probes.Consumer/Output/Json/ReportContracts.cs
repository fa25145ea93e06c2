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
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Unattributed = null);

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
