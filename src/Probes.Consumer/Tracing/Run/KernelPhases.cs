using Probes.Consumer.Bpf.Maps;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Phases;
using Probes.Consumer.Targets.Containers;

namespace Probes.Consumer.Tracing.Run;

/// <summary>
/// A run's consumer when phases are paired in the kernel (<see cref="TraceRunOptions.KernelPairing"/>):
/// the few records that still come (a phase id's first end in a process, faulted, canceled and
/// slow ends, marks) name the phases and tell which container a namespace key stands for; the
/// numbers come from the maps, read and merged over CPUs whenever a report is asked for
/// (<see cref="Report"/>: each tick of a live view, and at the end).
/// </summary>
/// <param name="slow">The instances at or over <c>--slow</c>, from the sent ends that carry a duration at or over it (the program sends every such end).</param>
public sealed class KernelPhases(PhaseMaps maps, Action? afterPoll = null, Action? onTick = null, SlowPhases? slow = null) : ITraceConsumer
{
    private const int MaxNames = 16_384;
    private const int MaxContainerKeys = 65_536;
    private const int MaxUnfinished = 65_536;

    private readonly PhaseEventDecoder _decoder = new();
    private readonly Dictionary<uint, string> _names = new();
    private readonly Dictionary<ContainerKey, string> _containers = new();
    private readonly HashSet<ContainerKey> _ignored = new();
    private readonly MarkStatistics _marks = new();
    private readonly HashSet<string> _unidentified = new(StringComparer.Ordinal);
    private long _ignoredEnds;
    private long _ignoredPhases;
    private long _unidentifiedEnds;
    private long _unidentifiedPhaseEvents;

    public void OnEvent(UsdtRecord record, TracedProbe probe, ContainerRef? container)
    {
        string containerId = container?.Id ?? "";
        if (probe.Provider == TracePlan.OwnProvider && probe.Name == "mark")
        {
            _marks.Add(_decoder.DecodeMark(record, containerId));
            return;
        }
        uint id = (uint)record.Argument(0);
        string name = _decoder.Name(id, record.StringBytes(1));
        if (_names.Count < MaxNames || _names.ContainsKey(id))
        {
            _names[id] = name;
        }
        if (slow is not null && probe.Name == "phase_end" && record.ArgumentCount > PhaseProgramGenerator.ParentSlot)
        {
            ulong duration = record.Argument(PhaseProgramGenerator.DurationSlot);
            slow.Offer(new SlowPhase(containerId, record.Pid, record.Tid, id, name, record.Argument(2), record.Argument(PhaseProgramGenerator.ParentSlot),
                (PhaseStatus)(int)record.Argument(3), record.TimestampNanoseconds - duration, duration));
        }
        if (KeyOf(record) is { } key && (_containers.Count < MaxContainerKeys || _containers.ContainsKey(key)))
        {
            _containers[key] = containerId;
        }
        if (container is { Identified: false } && KeyOf(record) is not null)
        {
            _unidentifiedEnds++; // a sent phase_end: its phase is also in its container's map row
            if (_unidentified.Count < MaxContainerKeys)
            {
                _unidentified.Add(containerId);
            }
        }
    }

    /// <summary>A record of a container not traced: its key's phases in the maps are left out of the report.</summary>
    public void OnIgnored(UsdtRecord record)
    {
        if (KeyOf(record) is { } key)
        {
            _ignoredEnds++; // a sent phase_end: its phase is also in its key's map row
            if (_ignored.Count < MaxContainerKeys)
            {
                _ignored.Add(key);
            }
        }
    }

    /// <summary>
    /// The events of other containers, given the records the run ignored: in kernel mode most of
    /// their phases never reach the ring, so those records are only their marks and sent ends;
    /// each phase their map rows counted (sent ends included) stands for a begin and an end.
    /// Exact once <see cref="Report"/> has read the final maps.
    /// </summary>
    public long IgnoredEvents(long ignoredRecords) => ignoredRecords - _ignoredEnds + 2 * _ignoredPhases;

    /// <summary>
    /// The events of containers that exited before they could be identified, given the records
    /// the run attributed to them: as for <see cref="IgnoredEvents"/>, their sent ends stand in for
    /// the phases their map rows counted (a begin and an end each) and their open phases' begins.
    /// Exact once <see cref="Report"/> has read the final maps.
    /// </summary>
    public long UnidentifiedEvents(long unidentifiedRecords) => unidentifiedRecords - _unidentifiedEnds + _unidentifiedPhaseEvents;

    /// <summary>The name a sent record gave phase <paramref name="id"/>, or null while none came.</summary>
    public string? PhaseName(uint id) => _names.TryGetValue(id, out string? name) ? name : null;

    /// <summary>The container id ("" for the host) a sent record showed behind a maps key, or null while none came.</summary>
    public string? ContainerOf(ContainerKey key) => _containers.TryGetValue(key, out string? container) ? container : null;

    /// <summary>The marks counted so far, per container and name (from the ring: marks are not paired in the kernel).</summary>
    public MarkStatistics Marks => _marks;

    public void AfterPoll(int events) => afterPoll?.Invoke();

    public void OnTick() => onTick?.Invoke();

    /// <summary>
    /// The maps' key for a sent phase_end's container: (pid namespace inode, mount namespace inode;
    /// 0 when the program could not read them) and the cgroup id the pairing program added; null
    /// for other records (a mark, a begin), which carry no cgroup id.
    /// </summary>
    private static ContainerKey? KeyOf(UsdtRecord record) =>
        record.ArgumentCount > PhaseProgramGenerator.CgroupSlot
            ? new ContainerKey(record.HasNamespaces ? record.PidNamespaceInode | (ulong)record.MountNamespaceInode << 32 : 0, record.Argument(PhaseProgramGenerator.CgroupSlot))
            : null;

    /// <summary>Reads the maps now and builds the report (final once the run has stopped: it detached before its last drain).</summary>
    public PhaseReport Report(IReadOnlyDictionary<string, string> containerNames)
    {
        string? NameOf(uint id) => PhaseName(id);

        (List<PhaseRow> rows, long unattributed, _ignoredPhases) = KernelPhaseRows.Build(maps.ReadStatistics(), maps.ReadHistogram(), NameOf, ContainerOf, _ignored.Contains);
        List<KernelPendingPhase> pending = maps.ReadPending(MaxUnfinished);
        KernelPhaseCounters counters = maps.ReadCounters();
        var unfinished = pending
            .Where(p => ContainerOf(p.ContainerKey) is not null)
            .Select(p => new UnfinishedPhase(ContainerOf(p.ContainerKey)!, p.Pid, p.Pid, p.PhaseId, NameOf(p.PhaseId) ?? $"phase 0x{p.PhaseId:x8}", p.SpanId, p.ParentSpanId, p.StartNanoseconds))
            .OrderBy(p => p.StartNs)
            .ToList();
        _unidentifiedPhaseEvents = 2 * rows.Where(row => _unidentified.Contains(row.Container)).Sum(row => row.Count)
            + unfinished.Count(open => _unidentified.Contains(open.Container));
        var loss = new KernelPairingLoss(counters.Evicted(pending.Count), counters.PendingFull, counters.HistogramFull, counters.StatisticsFull, unattributed);
        return new PhaseReport(rows, (long)counters.RingFull, unfinished, (long)counters.EndsWithoutBegin, containerNames, Marks: _marks.Rows(), Kernel: loss,
            Slow: slow?.Report(unfinished));
    }
}
