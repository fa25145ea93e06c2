namespace Probes.Consumer.Agent;

/// <summary>
/// One histogram series of <c>probes_phase_duration_seconds</c>: a phase, a status and a
/// container, with its counts per exported bucket (not cumulative; <see cref="ExportedBuckets"/>),
/// its count and its exact sum of durations.
/// </summary>
public sealed record PhaseSeries(string Phase, string Status, ContainerLabels Where, ulong[] Buckets, ulong Count, ulong SumNanoseconds);

/// <summary>What the agent counts about itself and about the kernel side, for one exposition.</summary>
public sealed record AgentCounters(
    ulong EventsLost, ulong BeginsEvicted, ulong PendingMapFull, ulong HistogramMapFull, ulong StatisticsMapFull, ulong EndsWithoutBegin,
    ulong UnattributedPhases, int AttachedFiles, ulong Rescans, int OverflowedSeries, IReadOnlyList<(ContainerLabels Where, ulong Count)> FirstSeenLate,
    IReadOnlyDictionary<string, ulong>? HookRequests = null, IReadOnlyDictionary<string, ulong>? HookShortcuts = null, ulong Expositions = 0,
    OtlpCounters? Otlp = null);

/// <summary>What the OTLP exporter sent and lost (the agent's <c>--otlp-endpoint</c>).</summary>
public sealed record OtlpCounters(long ExportedSpans, long DroppedSpans, long DroppedDataPoints, long FailedRequests);

/// <summary>The marks of one name in one container, for the exposition.</summary>
public sealed record MarkSeries(ContainerLabels Where, string Name, long Count, long Last, long Min, long Max);
