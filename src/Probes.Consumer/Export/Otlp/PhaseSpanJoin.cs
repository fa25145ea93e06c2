using Probes.Consumer.Phases;

namespace Probes.Consumer.Export.Otlp;

/// <summary>
/// Joins what the kernel sends of a phase (its begin, its ABI v2 <c>phase_context</c>, its end)
/// into an <see cref="ExportedSpan"/>. The trace: the W3C activity's the context named, else
/// the one its enclosing phase is in, else a trace of its own rooted at its outermost phase. The
/// parent: the enclosing phase when it ran inside the same activity (nested phases chain under
/// the first), else the activity's span, else the enclosing phase, else none. Open phases are
/// bounded (a target that begins and never ends fills nothing beyond <paramref name="maxOpen"/>;
/// the refused are counted). When the kernel sends only some ends and no begins (the agent: slow,
/// faulted, canceled, first), a context arrives with no begin open: it is kept in a bounded FIFO
/// (the oldest forgotten first, as most of them belong to fast phases whose end is never sent),
/// and the end, when it comes, finds its own context and its enclosing phase's there. Not
/// thread-safe: the run's thread calls it.
/// </summary>
public sealed class PhaseSpanJoin(Func<ulong, ulong> toUnixNanoseconds, int maxOpen = PhaseSpanJoin.DefaultMaxOpen)
{
    public const int DefaultMaxOpen = 65_536;

    private readonly Dictionary<(int Pid, ulong Span), Open> _open = new();
    private readonly Dictionary<(int Pid, ulong Span), Context> _contexts = new();
    private readonly Queue<(int Pid, ulong Span)> _contextOrder = new();

    /// <summary>Begins not remembered because <c>maxOpen</c> phases were open.</summary>
    public long Refused { get; private set; }

    public int OpenCount => _open.Count;

    public void OnBegin(int pid, ulong span, ulong parent, ulong timestampNs)
    {
        if (_open.Count >= maxOpen && !_open.ContainsKey((pid, span)))
        {
            Refused++;
            return;
        }
        Open? enclosing = parent != 0 && _open.TryGetValue((pid, parent), out Open? found) ? found : null;
        _open[(pid, span)] = new Open(parent, enclosing?.Root ?? (parent == 0 ? span : parent), timestampNs)
        {
            Trace = enclosing?.Trace,
        };
    }

    /// <summary>The context fires right after its begin on the same thread, so its begin is already here.</summary>
    public void OnContext(int pid, ulong span, ulong traceHigh, ulong traceLow, ulong activitySpan)
    {
        if ((traceHigh | traceLow) == 0)
        {
            return;
        }
        var context = new Context(traceHigh, traceLow, activitySpan);
        if (_open.TryGetValue((pid, span), out Open? open))
        {
            open.Own = context;
            open.Trace = open.Own;
            return;
        }
        if (_contextOrder.Count >= maxOpen)
        {
            _contexts.Remove(_contextOrder.Dequeue()); // a stale key (its end came) removes nothing
        }
        _contexts[(pid, span)] = context;
        _contextOrder.Enqueue((pid, span));
    }

    /// <summary>Contexts kept for ends still to come (begins not sent).</summary>
    public int KeptContexts => _contexts.Count;

    /// <summary>The end of a phase: its span, with the begin's time when it was seen, else the kernel-measured duration's.</summary>
    public ExportedSpan OnEnd(SpanOrigin origin, string name, uint phaseId, ulong span, ulong parentFromEnd, PhaseStatus status, int tid, ulong endNs, ulong durationNs)
    {
        int pid = origin.Pid;
        _open.Remove((pid, span), out Open? open);
        ulong parent = open?.Parent ?? parentFromEnd;
        ulong startNs = open?.StartNs ?? endNs - Math.Min(durationNs, endNs);
        Open? enclosing = parent != 0 && _open.TryGetValue((pid, parent), out Open? found) ? found : null;
        _contexts.Remove((pid, span), out Context? sentAlone);
        Context? ownContext = open is null ? sentAlone : open.Own;
        // The enclosing phase's context stays: its own end still needs it.
        Context? enclosingContext = enclosing is not null ? enclosing.Own : parent != 0 ? _contexts.GetValueOrDefault((pid, parent)) : null;

        (ulong high, ulong low) = (open is null ? ownContext ?? enclosingContext : open.Trace) is { } trace
            ? (trace.High, trace.Low)
            : OtlpIds.OwnTraceId(pid, open?.Root ?? (parent == 0 ? span : parent));
        ulong parentSpanId;
        if (ownContext is { } own)
        {
            bool sameActivity = enclosingContext is { } outer && outer == own;
            parentSpanId = sameActivity ? OtlpIds.PhaseSpanId(pid, parent) : own.ActivitySpan;
        }
        else
        {
            parentSpanId = parent != 0 ? OtlpIds.PhaseSpanId(pid, parent) : 0;
        }
        return new ExportedSpan(origin, name, phaseId, high, low, OtlpIds.PhaseSpanId(pid, span), parentSpanId,
            toUnixNanoseconds(startNs), toUnixNanoseconds(endNs), status, tid, span);
    }

    /// <summary>Forgets the open phases and kept contexts of a process that has gone.</summary>
    public void ForgetProcess(int pid) => ForgetWhere(p => p == pid);

    /// <summary>Forgets the open phases and kept contexts of every process but <paramref name="alive"/>.</summary>
    public void ForgetAllBut(IReadOnlySet<int> alive) => ForgetWhere(pid => !alive.Contains(pid));

    private void ForgetWhere(Func<int, bool> gone)
    {
        foreach ((int Pid, ulong Span) key in _open.Keys.Where(k => gone(k.Pid)).ToList())
        {
            _open.Remove(key);
        }
        foreach ((int Pid, ulong Span) key in _contexts.Keys.Where(k => gone(k.Pid)).ToList())
        {
            _contexts.Remove(key);
        }
    }

    private sealed record Context(ulong High, ulong Low, ulong ActivitySpan);

    private sealed class Open(ulong parent, ulong root, ulong startNs)
    {
        public ulong Parent { get; } = parent;

        public ulong Root { get; } = root;

        public ulong StartNs { get; } = startNs;

        public Context? Own { get; set; }

        public Context? Trace { get; set; }
    }
}
