namespace Probes.Consumer.Phases;

/// <summary>One phase instance that took at least the slow threshold, as its end was seen.</summary>
/// <param name="EndTid">The thread that ended it (the one both pairing modes know; an async phase may have begun on another).</param>
/// <param name="StartNs">When it began, on the kernel's monotonic clock (bpf_ktime_get_ns).</param>
public sealed record SlowPhase(
    string Container,
    int Pid,
    int EndTid,
    uint PhaseId,
    string Name,
    ulong SpanId,
    ulong ParentSpanId,
    PhaseStatus Status,
    ulong StartNs,
    ulong DurationNs);

/// <summary>A slow phase as reported: its parents' names (outermost first, as far as known) and the wall-clock time it began.</summary>
public sealed record SlowPhaseInstance(SlowPhase Phase, IReadOnlyList<string> ParentChain, DateTimeOffset StartedAt);

/// <param name="ThresholdNs">The threshold given (<c>--slow</c>).</param>
/// <param name="Count">Every instance at or over it, also those not kept.</param>
/// <param name="Instances">The slowest of them (at most the tracker's capacity), slowest first.</param>
public sealed record SlowPhaseReport(ulong ThresholdNs, long Count, IReadOnlyList<SlowPhaseInstance> Instances);

/// <summary>
/// The phase instances at or over a threshold (<c>probes phases --slow</c>), from either pairing
/// mode: the slowest <see cref="DefaultCapacity"/> are kept (a min-heap on duration), all are
/// counted, so what was not kept is a number in the report, never silently gone. Parents are
/// named at report time from the kept instances and the phases still open: a parent lasts at
/// least as long as a child it awaits, so the parent of a slow phase is slow too (or still open).
/// </summary>
public sealed class SlowPhases
{
    public const int DefaultCapacity = 1_000;

    /// <summary>Parent links are the target's data: a cycle or an endless chain stops here.</summary>
    public const int MaxChainDepth = 32;

    // The heap's root is the instance to give up first: the shortest, and of equals the latest begun.
    private static readonly Comparer<SlowPhase> FirstToDrop = Comparer<SlowPhase>.Create((a, b) =>
        a.DurationNs != b.DurationNs ? a.DurationNs.CompareTo(b.DurationNs) : b.StartNs.CompareTo(a.StartNs));

    private readonly PriorityQueue<SlowPhase, SlowPhase> _slowest;
    private readonly Func<ulong, DateTimeOffset> _wallClock;
    private readonly int _capacity;
    private readonly Func<string, bool>? _selects;

    /// <param name="wallClock">The wall-clock time of a monotonic timestamp (<c>Bpf.MonotonicClock.ToWallClock</c>).</param>
    /// <param name="selects">Which phase names count (<c>--phase</c>); null: all.</param>
    public SlowPhases(ulong thresholdNs, Func<ulong, DateTimeOffset> wallClock, int capacity = DefaultCapacity, Func<string, bool>? selects = null)
    {
        _selects = selects;
        ArgumentOutOfRangeException.ThrowIfZero(thresholdNs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ThresholdNs = thresholdNs;
        _wallClock = wallClock;
        _capacity = capacity;
        _slowest = new PriorityQueue<SlowPhase, SlowPhase>(FirstToDrop);
    }

    public ulong ThresholdNs { get; }

    /// <summary>Instances at or over the threshold so far.</summary>
    public long Count { get; private set; }

    /// <summary>Counts and perhaps keeps a completed phase; one under the threshold is ignored.</summary>
    public void Offer(SlowPhase phase)
    {
        if (phase.DurationNs < ThresholdNs || (_selects is not null && !_selects(phase.Name)))
        {
            return;
        }
        Count++;
        if (_slowest.Count < _capacity)
        {
            _slowest.Enqueue(phase, phase);
        }
        else if (FirstToDrop.Compare(phase, _slowest.Peek()) > 0)
        {
            _slowest.EnqueueDequeue(phase, phase);
        }
    }

    /// <param name="open">The phases still open, which may be parents of slow ones.</param>
    public SlowPhaseReport Report(IEnumerable<UnfinishedPhase> open)
    {
        var known = new Dictionary<(int Pid, ulong Span), (string Name, ulong Parent)>();
        foreach (UnfinishedPhase phase in open)
        {
            known.TryAdd((phase.Pid, phase.SpanId), (phase.Name, phase.ParentSpanId));
        }
        foreach ((SlowPhase phase, _) in _slowest.UnorderedItems)
        {
            known[(phase.Pid, phase.SpanId)] = (phase.Name, phase.ParentSpanId);
        }
        List<SlowPhaseInstance> instances = _slowest.UnorderedItems
            .Select(item => item.Element)
            .OrderByDescending(phase => phase.DurationNs)
            .ThenBy(phase => phase.StartNs)
            .ThenBy(phase => phase.Pid)
            .ThenBy(phase => phase.SpanId)
            .Select(phase => new SlowPhaseInstance(phase, ChainOf(phase, known), _wallClock(phase.StartNs)))
            .ToList();
        return new SlowPhaseReport(ThresholdNs, Count, instances);
    }

    private static List<string> ChainOf(SlowPhase phase, Dictionary<(int Pid, ulong Span), (string Name, ulong Parent)> known)
    {
        var chain = new List<string>();
        ulong parent = phase.ParentSpanId;
        while (parent != 0 && chain.Count < MaxChainDepth && known.TryGetValue((phase.Pid, parent), out (string Name, ulong Parent) link))
        {
            chain.Add(link.Name);
            parent = link.Parent;
        }
        chain.Reverse();
        return chain;
    }
}
