using System.Diagnostics;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Maps;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Bpf.Uprobes;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Tracing.Resolution;

namespace Probes.Consumer.Tracing.Run;

/// <summary>
/// One tracing session over a resolved target, from the attach to the last event: the engine
/// every verb (and any other consumer: an agent, an exporter, a test harness) runs, so none of
/// them owns a session loop of its own.
/// <list type="number">
/// <item><see cref="Create"/>: the eBPF session (ring buffer, lost counter), and for container
/// targets which container each file serves (<see cref="ContainerFileOwners"/>), read while they
/// all still run.</item>
/// <item><see cref="Add"/>: a plan's programs are loaded, its uprobes queued (attached at once
/// once started). Plans of one run must number their probes apart.</item>
/// <item><see cref="Start"/>: every uprobe attached, with the race check of a <c>--pid</c>
/// target (<see cref="AttachGuard"/>) and of containers gone meanwhile; then the duration starts
/// (<see cref="TraceStop.StartDuration"/>) and a pid target is watched (<see cref="ProcessWatch"/>).</item>
/// <item><see cref="Run"/>: reads the ring until <see cref="TraceStop"/> says stop, then drains it.
/// Each event is attributed to its container (<see cref="ContainerDirectory"/>, by the namespaces
/// the program read); events of containers not traced (same file, another container) are counted
/// in <see cref="Ignored"/>; the rest go to the <see cref="ITraceConsumer"/>. Between reads: the
/// consumer's <see cref="ITraceConsumer.AfterPoll"/>, removed containers (their uprobes detached
/// when no traced container still needs the file, the run stopped when the last one is gone),
/// and the consumer's periodic <see cref="ITraceConsumer.OnTick"/>.</item>
/// <item>The counts a summary needs (<see cref="Events"/>, <see cref="Lost"/>, <see cref="Ignored"/>,
/// <see cref="StopReason"/>), then <see cref="Dispose"/> detaches everything.</item>
/// </list>
/// Not thread-safe, apart from <see cref="TraceStop.Stop"/>: one thread drives it.
/// </summary>
public sealed class TraceRun : IDisposable
{
    private readonly TraceTarget _target;
    private readonly TraceStop _stop;
    private readonly TraceRunOptions _options;
    private readonly UsdtSession _session;
    private readonly ContainerRemovals? _removals;
    private readonly UsdtRecordHandler _onRecord;
    private readonly IDiagnosticSink _sink;
    private TracedProbe?[] _probes = [];
    private ProcessWatch? _watch;
    private ITraceConsumer? _consumer;
    private long _ignored;
    private ContainerRef? _lastContainer;
    private bool _lastContainerTraced;
    private long _unidentified;

    private TraceRun(TraceTarget target, TraceStop stop, IDiagnosticSink sink, TraceRunOptions options, UsdtSession session, ContainerFileOwners? owners)
    {
        _sink = sink;
        _target = target;
        _stop = stop;
        _options = options;
        _session = session;
        _onRecord = OnRecord;
        if (target.ContainerIds is { } ids && owners is not null)
        {
            _removals = new ContainerRemovals(new ContainerWatch(ids), NameOf, gone => uprobe => owners.ServesOnly(uprobe.Path, gone), session.Detach, stop, sink);
        }
    }

    /// <summary>Creates the session for <paramref name="target"/>; nothing is loaded or attached yet.</summary>
    public static TraceRun Create(TraceTarget target, TraceStop stop, IDiagnosticSink sink, TraceRunOptions? options = null)
    {
        options ??= new TraceRunOptions();
        // Which container each file serves, read while they all still run.
        ContainerFileOwners? owners = target.ContainerIds is { } traced ? ContainerFileOwners.Find(target.Probes, traced) : null;
        UsdtSession session = UsdtSession.Create(new UsdtSessionOptions { RingBufferBytes = options.RingBufferBytes, KernelPairing = options.KernelPairing });
        return new TraceRun(target, stop, sink, options, session, owners);
    }

    /// <summary>Events handed to the consumer.</summary>
    public long Events => _session.EventsReceived - _ignored;

    /// <summary>Events of processes outside the traced containers that map the same files: read, not handed on.</summary>
    public long Ignored => _ignored;

    /// <summary>Events of containers that exited before they could be named (each kept apart as 'unidentified (pid ns N)').</summary>
    public long Unidentified => _unidentified;

    /// <summary>Events lost because the ring was full (counted by the programs).</summary>
    public ulong Lost => _session.LostCount;

    /// <summary>The in-kernel pairing maps (<see cref="TraceRunOptions.KernelPairing"/>), readable until Dispose; null when every hit is an event.</summary>
    public PhaseMaps? PhaseMaps => _session.PhaseMaps;

    /// <summary>Why the run stopped ("interrupted", "process 42 exited", "container web-1 removed", ...); null while running or when its duration ran out.</summary>
    public string? StopReason => _stop.Reason;

    /// <summary>
    /// Loads the programs of <paramref name="plan"/>'s sites and queues their uprobes (attached by
    /// <see cref="Start"/>, or at once after it). The caller keeps the plan, and must not dispose it
    /// before the uprobes are attached (its pinned files are what they are opened through).
    /// </summary>
    public void Add(TracePlan plan)
    {
        int size = Math.Max(_probes.Length, plan.Probes.Count == 0 ? 0 : (int)plan.Probes.Max(p => p.Id) + 1);
        TracedProbe?[] probes = _probes.Length == size ? _probes : [.. _probes, .. new TracedProbe?[size - _probes.Length]];
        foreach (TracedProbe probe in plan.Probes)
        {
            if (probes[probe.Id] is not null)
            {
                throw new InvalidOperationException($"probe id {probe.Id} is in use already: plans of one run must number their probes apart");
            }
            probes[probe.Id] = probe;
        }
        _probes = probes;
        foreach ((UsdtProgramSpec spec, UprobeTarget uprobe) in plan.Sites())
        {
            _session.AddSite(spec, [uprobe]);
        }
    }

    /// <summary>Detaches the uprobes <paramref name="which"/> selects (files no longer traced); returns how many.</summary>
    public int Detach(Func<UprobeTarget, bool> which) => _session.Detach(which);

    /// <summary>Attaches every uprobe added so far and starts the traced window; fails (not found) when the target went away meanwhile.</summary>
    public void Start()
    {
        AttachGuard.Start(_session, _target.Identity);
        _sink.Detail($"attach: {_session.AttachSummary}{(_session.AttachFallbackReason is { } fallback ? $"; {fallback}" : "")}");
        _removals?.AfterAttach();
        _stop.StartDuration();
        if (_target.Identity is { } identity)
        {
            _watch = ProcessWatch.Start(identity, _stop.Stop);
        }
    }

    /// <summary>Hands events to <paramref name="consumer"/> until the run is stopped, then drains the ring. What the consumer throws ends the run there.</summary>
    public void Run(ITraceConsumer consumer)
    {
        _consumer = consumer;
        var sinceTick = Stopwatch.StartNew();
        while (!_stop.Token.IsCancellationRequested)
        {
            consumer.AfterPoll(_session.Poll(_onRecord, _options.PollTimeoutMilliseconds));
            _removals?.Poll();
            if (sinceTick.Elapsed >= _options.TickInterval)
            {
                consumer.OnTick();
                sinceTick.Restart();
            }
        }
        if (_session.PhaseMaps is not null)
        {
            // Detached before the last drain, so the maps and the ring hold final numbers: nothing
            // is counted after it, and no begin is counted without the map showing it.
            _session.Detach(_ => true);
        }
        consumer.AfterPoll(_session.Drain(_onRecord));
    }

    private void OnRecord(UsdtRecord record)
    {
        ContainerDirectory directory = _target.Directory;
        ContainerRef? container = record.HasNamespaces ? directory.Of(record.Pid, record.PidNamespaceInode, record.MountNamespaceInode, record.NamespacePid) : directory.Of(record.Pid);
        if ((_target.ContainerIds is { } traced && !IsTraced(container, traced)) || (_target.Pids is { } pids && !pids.Contains(record.Pid)))
        {
            _ignored++; // same file, another container, the host or another process: not what was asked for
            _consumer!.OnIgnored(record);
            return;
        }
        _unidentified += container is { Identified: false } ? 1 : 0;
        _consumer!.OnEvent(record, _probes[record.ProbeId]!, container);
    }

    /// <summary>The directory hands out one <see cref="ContainerRef"/> per container, so the answer for the last one is kept.</summary>
    private bool IsTraced(ContainerRef? container, IReadOnlySet<string> traced)
    {
        if (container is null)
        {
            return false;
        }
        if (!ReferenceEquals(container, _lastContainer))
        {
            _lastContainer = container;
            _lastContainerTraced = traced.Contains(container.Id);
        }
        return _lastContainerTraced;
    }

    private string NameOf(string id) => _target.Directory.Names.TryGetValue(id, out string? name) ? name : id[..12];

    /// <summary>Stops watching, then detaches every uprobe and frees the session.</summary>
    public void Dispose()
    {
        _watch?.Dispose();
        _session.Dispose();
    }
}
