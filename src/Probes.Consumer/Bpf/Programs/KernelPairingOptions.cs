namespace Probes.Consumer.Bpf.Programs;

/// <summary>
/// Phases paired in the kernel (<see cref="PhaseProgramGenerator"/>): the bounds of its maps and
/// which phase ends still reach the ring as full records. Every bound, when reached, is counted
/// (<see cref="PhaseCounter"/>), never silent.
/// </summary>
public sealed record KernelPairingOptions
{
    /// <summary>Phases begun and not yet ended, per (process, span); LRU: the oldest is evicted when full.</summary>
    public int PendingCapacity { get; init; } = 65_536;

    /// <summary>Distinct (phase, container, status, bucket) histogram keys.</summary>
    public int HistogramCapacity { get; init; } = 32_768;

    /// <summary>Distinct (phase, container, status) rows of exact count, total, min and max.</summary>
    public int StatisticsCapacity { get; init; } = 8_192;

    /// <summary>(process, phase id) pairs whose first end was sent; LRU, so a forgotten pair only sends its name again.</summary>
    public int SeenCapacity { get; init; } = 65_536;

    /// <summary>Phase ends at or above this duration are sent as records; 0 sends none for their duration.</summary>
    public ulong SlowThresholdNanoseconds { get; init; }

    /// <summary>Send every begin and end as a record too (a timeline, a per-event comparison), besides the maps.</summary>
    public bool SendEveryEvent { get; init; }
}

/// <summary>Slots of the per-CPU counter map the programs share (u64 each, summed over CPUs by user space).</summary>
public enum PhaseCounter
{
    /// <summary>A ring reservation failed: the record was lost (every program counts it, not only the pairing ones).</summary>
    RingFull = 0,

    /// <summary>Begins stored in the pending map.</summary>
    BeginsStored = 1,

    /// <summary>Ends that found their begin, were measured and removed it.</summary>
    EndsPaired = 2,

    /// <summary>Ends whose begin was not pending: it fired before the tracer attached, or was evicted.</summary>
    EndsWithoutBegin = 3,

    /// <summary>Begins the pending map refused to store.</summary>
    PendingFull = 4,

    /// <summary>Paired phases the histogram had no room for (a new key in a full map).</summary>
    HistogramFull = 5,

    /// <summary>Paired phases the statistics map had no room for.</summary>
    StatisticsFull = 6,
}
