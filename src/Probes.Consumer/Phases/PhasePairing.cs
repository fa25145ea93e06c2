namespace Probes.Consumer.Phases;

/// <summary>
/// Pairs begins with ends by (pid, span id). Span ids are unique only within a process, and an
/// async phase ends on another thread than it began, so neither tid nor name may be part of
/// the key. Ends whose begin was not seen (the consumer attached mid-phase) are counted, not
/// guessed at. Open phases are bounded per process and in total, so neither a process that
/// never ends its phases nor many processes that each leave some open (a container forking
/// workers) can grow the consumer without limit; begins over the bound are counted.
/// </summary>
public sealed class PhasePairing(int maxOpenPerProcess = PhasePairing.DefaultMaxOpenPerProcess, int maxOpenTotal = PhasePairing.DefaultMaxOpenTotal)
{
    public const int DefaultMaxOpenPerProcess = 100_000;

    /// <summary>About 100 bytes each (the event plus its dictionary slot; names are shared): ~100 MB at most.</summary>
    public const int DefaultMaxOpenTotal = 1_000_000;

    private int _openTotal;

    private readonly Dictionary<int, Dictionary<ulong, PhaseEvent>> _open = new();

    /// <summary>Ends that arrived without their begin (typically phases already running at attach).</summary>
    public long EndsWithoutBegin { get; private set; }

    /// <summary>Begins dropped because a process, or all together, exceeded the open-phase bound.</summary>
    public long DroppedBegins { get; private set; }

    public int OpenCount => _openTotal;

    /// <summary>Feeds one event; returns the completed phase when it was an end that closed one.</summary>
    public CompletedPhase? Add(in PhaseEvent e)
    {
        if (e.Kind == PhaseEventKind.Begin)
        {
            if (!_open.TryGetValue(e.Pid, out Dictionary<ulong, PhaseEvent>? spans))
            {
                _open[e.Pid] = spans = new Dictionary<ulong, PhaseEvent>();
            }
            if (spans.Count >= maxOpenPerProcess || (_openTotal >= maxOpenTotal && !spans.ContainsKey(e.SpanId)))
            {
                if (spans.Count == 0)
                {
                    _open.Remove(e.Pid);
                }
                DroppedBegins++;
                return null;
            }
            if (spans.TryAdd(e.SpanId, e))
            {
                _openTotal++;
            }
            else
            {
                spans[e.SpanId] = e; // a span id reused while open: the newer begin wins, as before
            }
            return null;
        }

        if (!_open.TryGetValue(e.Pid, out Dictionary<ulong, PhaseEvent>? open) || !open.Remove(e.SpanId, out PhaseEvent begin))
        {
            EndsWithoutBegin++;
            return null;
        }
        _openTotal--;
        if (open.Count == 0)
        {
            _open.Remove(e.Pid);
        }
        // Clocks are per-CPU but synchronised; a negative duration would be a consumer bug, never data.
        ulong end = Math.Max(e.TimestampNs, begin.TimestampNs);
        return new CompletedPhase(begin.Container, begin.Pid, begin.Tid, begin.PhaseId, begin.Name, begin.SpanId, begin.ParentOrStatus, begin.TimestampNs, end, e.Status, e.Tid);
    }

    /// <summary>Takes out every open phase of a process that is gone, so its memory is released.</summary>
    public IReadOnlyList<UnfinishedPhase> RemoveProcess(int pid)
    {
        if (!_open.Remove(pid, out Dictionary<ulong, PhaseEvent>? spans))
        {
            return [];
        }
        _openTotal -= spans.Count;
        return spans.Values.Select(ToUnfinished).ToList();
    }

    /// <summary>The phases still open, e.g. at the end of tracing.</summary>
    public IReadOnlyList<UnfinishedPhase> Unfinished() =>
        _open.Values.SelectMany(spans => spans.Values).OrderBy(e => e.TimestampNs).Select(ToUnfinished).ToList();

    private static UnfinishedPhase ToUnfinished(PhaseEvent e) =>
        new(e.Container, e.Pid, e.Tid, e.PhaseId, e.Name, e.SpanId, e.ParentOrStatus, e.TimestampNs);
}
