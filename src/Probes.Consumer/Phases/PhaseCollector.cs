namespace Probes.Consumer.Phases;

/// <summary>
/// Everything <c>probes phases</c> learns from the event stream: pairing, statistics, the phases
/// kept for a timeline (bounded), and the processes seen. Not thread-safe: the event loop owns it,
/// and the live view reads snapshots from the same thread.
/// </summary>
public sealed class PhaseCollector(
    bool keepTimeline,
    int maxTimelinePhases = PhaseCollector.DefaultMaxTimelinePhases,
    int maxProcessLabels = PhaseCollector.DefaultMaxProcessLabels,
    PhasePairing? pairing = null,
    PhaseStatistics? statistics = null,
    SlowPhases? slow = null)
{
    public const int DefaultMaxTimelinePhases = 1_000_000;

    /// <summary>Labels ("comm (pid N, container)") kept for the timeline; later pids are shown as "pid N".</summary>
    public const int DefaultMaxProcessLabels = 65_536;

    private readonly PhasePairing _pairing = pairing ?? new PhasePairing();
    private readonly PhaseStatistics _statistics = statistics ?? new PhaseStatistics();
    private readonly List<CompletedPhase> _timeline = [];
    private readonly List<MarkEvent> _timelineMarks = [];
    private readonly Dictionary<int, string> _processes = new();
    private readonly MarkStatistics _marks = new();

    public long TimelineDropped { get; private set; }

    public IReadOnlyList<CompletedPhase> Timeline => _timeline;

    /// <summary>The marks kept for the timeline (the same bound as the phases, counted apart).</summary>
    public IReadOnlyList<MarkEvent> TimelineMarks => _timelineMarks;

    public long TimelineMarksDropped { get; private set; }

    public IReadOnlyDictionary<int, string> Processes => _processes;

    public long EndsWithoutBegin => _pairing.EndsWithoutBegin;

    public long DroppedBegins => _pairing.DroppedBegins;

    public long NotTabulated => _statistics.NotTabulated;

    public void Add(in PhaseEvent e, Func<string> describeProcess)
    {
        if (_processes.Count < maxProcessLabels && !_processes.ContainsKey(e.Pid))
        {
            _processes[e.Pid] = describeProcess();
        }
        if (_pairing.Add(e) is not { } done)
        {
            return;
        }
        _statistics.Add(done);
        // The end's thread, which in-kernel pairing reports too (it keeps no begin thread).
        slow?.Offer(new SlowPhase(done.Container, done.Pid, e.Tid, done.PhaseId, done.Name, done.SpanId, done.ParentSpanId, done.Status, done.StartNs, done.DurationNs));
        if (!keepTimeline)
        {
            return;
        }
        if (_timeline.Count < maxTimelinePhases)
        {
            _timeline.Add(done);
        }
        else
        {
            TimelineDropped++;
        }
    }

    public void AddMark(in MarkEvent mark)
    {
        _marks.Add(mark);
        if (!keepTimeline)
        {
            return;
        }
        if (_timelineMarks.Count < maxTimelinePhases)
        {
            _timelineMarks.Add(mark);
        }
        else
        {
            TimelineMarksDropped++;
        }
    }

    /// <param name="withDurations">Each row carries a copy of its histogram (<see cref="PhaseRow.Durations"/>).</param>
    public PhaseReport Report(long lost, IReadOnlyDictionary<string, string> containerNames, bool withDurations = false)
    {
        IReadOnlyList<UnfinishedPhase> unfinished = _pairing.Unfinished();
        return new(_statistics.Rows(withDurations), lost, unfinished, _pairing.EndsWithoutBegin, containerNames, _pairing.DroppedBegins, _statistics.NotTabulated, _marks.Rows(),
            Slow: slow?.Report(unfinished));
    }
}
