namespace Probes.Consumer.Phases;

/// <summary>
/// Pairs begins with ends by (pid, span id). Span ids are unique only within a process, and an
/// async phase ends on another thread than it began, so neither tid nor name may be part of
/// the key. Ends whose begin was not seen (the consumer attached mid-phase) are counted, not
/// guessed at. Open phases per process are bounded so a process that never ends its phases
/// cannot grow the consumer without limit.
/// </summary>
public sealed class PhasePairing(int maxOpenPerProcess = PhasePairing.DefaultMaxOpenPerProcess)
{
    public const int DefaultMaxOpenPerProcess = 100_000;

    private readonly Dictionary<int, Dictionary<ulong, PhaseEvent>> _open = new();

    /// <summary>Ends that arrived without their begin (typically phases already running at attach).</summary>
    public long EndsWithoutBegin { get; private set; }

    /// <summary>Begins dropped because a process exceeded the open-phase bound.</summary>
    public long DroppedBegins { get; private set; }

    public int OpenCount => _open.Values.Sum(spans => spans.Count);

    /// <summary>Feeds one event; returns the completed phase when it was an end that closed one.</summary>
    public CompletedPhase? Add(in PhaseEvent e)
    {
        if (e.Kind == PhaseEventKind.Begin)
        {
            if (!_open.TryGetValue(e.Pid, out Dictionary<ulong, PhaseEvent>? spans))
            {
                _open[e.Pid] = spans = new Dictionary<ulong, PhaseEvent>();
            }
            if (spans.Count >= maxOpenPerProcess)
            {
                DroppedBegins++;
                return null;
            }
            spans[e.SpanId] = e;
            return null;
        }

        if (!_open.TryGetValue(e.Pid, out Dictionary<ulong, PhaseEvent>? open) || !open.Remove(e.SpanId, out PhaseEvent begin))
        {
            EndsWithoutBegin++;
            return null;
        }
        if (open.Count == 0)
        {
            _open.Remove(e.Pid);
        }
        // Clocks are per-CPU but synchronised; a negative duration would be a consumer bug, never data.
        ulong end = Math.Max(e.TimestampNs, begin.TimestampNs);
        return new CompletedPhase(begin.Container, begin.Pid, begin.Tid, begin.PhaseId, begin.Name, begin.SpanId, begin.ParentOrStatus, begin.TimestampNs, end, e.Status);
    }

    /// <summary>Takes out every open phase of a process that is gone, so its memory is released.</summary>
    public IReadOnlyList<UnfinishedPhase> RemoveProcess(int pid) =>
        _open.Remove(pid, out Dictionary<ulong, PhaseEvent>? spans) ? spans.Values.Select(ToUnfinished).ToList() : [];

    /// <summary>The phases still open, e.g. at the end of tracing.</summary>
    public IReadOnlyList<UnfinishedPhase> Unfinished() =>
        _open.Values.SelectMany(spans => spans.Values).OrderBy(e => e.TimestampNs).Select(ToUnfinished).ToList();

    private static UnfinishedPhase ToUnfinished(PhaseEvent e) =>
        new(e.Container, e.Pid, e.Tid, e.PhaseId, e.Name, e.SpanId, e.ParentOrStatus, e.TimestampNs);
}
