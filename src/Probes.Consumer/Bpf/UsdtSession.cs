using Probes.Consumer.Bpf.Btf;
using Probes.Consumer.Bpf.Instructions;
using Probes.Consumer.Bpf.Maps;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Bpf.Syscalls;
using Probes.Consumer.Bpf.Uprobes;

namespace Probes.Consumer.Bpf;

/// <summary>Receives one decoded record view; valid only during the call.</summary>
public delegate void UsdtRecordHandler(UsdtRecord record);

/// <summary>
/// Everything needed to trace USDT sites: one ring buffer and one per-CPU "lost" counter
/// shared by all programs, one program per distinct way of fetching arguments (sites whose
/// arguments sit in the same registers share it; the attachment's cookie says which probe
/// fired), and the uprobes: one BPF_TRACE_UPROBE_MULTI link per file and program where the
/// kernel has them, else one perf uprobe per (site, target) (<see cref="UprobeAttachMethod"/>,
/// chosen by asking the kernel once). The caller (the CLI) resolves probes to file offsets
/// and addresses; this layer knows no ELF and no containers. Dispose (or process death)
/// detaches everything.
/// <code>
/// using var session = UsdtSession.Create(new UsdtSessionOptions { RingBufferBytes = 1 &lt;&lt; 22 });
/// session.AddSite(new UsdtProgramSpec(1, site.Arguments, StringArguments: [1]),
///                 [new UprobeTarget("/usr/lib/libprobes.so", site.FileOffset, site.SemaphoreFileOffset)]);
/// session.Start();
/// session.Run(record =&gt; Console.WriteLine($"{record.Pid} {record.Argument(0)}"), token);
/// Console.WriteLine($"lost {session.LostCount}");
/// </code>
/// Sites are attached in the order they were added, per file: a uprobe_multi link registers its
/// sites in that order and links are made in the order of their last site, so the site added
/// last is switched on last (<c>phase_begin</c>, whose semaphore the SDK tests).
/// </summary>
public sealed class UsdtSession : IDisposable
{
    private readonly UsdtSessionOptions _options;
    private readonly Kernel _kernel;
    private readonly BpfMap _ring;
    private readonly BpfMap _lost;
    private readonly RingBufferReader _reader;
    private readonly TaskLayout? _taskLayout;
    private readonly PhaseMaps? _phaseMaps;
    // Replaced, never mutated, so a reader thread in Run sees a consistent map while AddSite runs on another.
    private volatile Dictionary<uint, UsdtRecordLayout> _layouts = [];
    private readonly Lock _gate = new();
    private readonly Lock _readGate = new();
    private readonly Dictionary<(BpfAttachType, string), BpfProgram> _programs = [];
    private readonly List<PendingSite> _pending = [];
    private readonly List<UprobeAttachment> _attachments = [];
    private readonly List<UprobeMultiLink> _links = [];
    private UprobeFeatures? _features;
    private int _order;
    private bool _started;
    private volatile bool _disposed;

    private UsdtSession(UsdtSessionOptions options, BpfMap ring, BpfMap lost, RingBufferReader reader, TaskLayout? taskLayout, PhaseMaps? phaseMaps)
    {
        _phaseMaps = phaseMaps;
        _options = options;
        _kernel = options.Kernel;
        _ring = ring;
        _lost = lost;
        _reader = reader;
        _taskLayout = taskLayout;
        NamespaceAccess = options.PreferredNamespaceAccess;
    }

    public static UsdtSession Create(UsdtSessionOptions? options = null)
    {
        options ??= new UsdtSessionOptions();
        TaskLayout? taskLayout = options.ReadNamespaces ? TryReadTaskLayout() : null;
        BpfMap ring = BpfMap.CreateRingBuffer(options.Kernel, "probes_events", options.RingBufferBytes);
        BpfMap? lost = null;
        PhaseMaps? phaseMaps = null;
        try
        {
            // Slot 0 counts ring reservations that failed; the others are the pairing programs' (PhaseCounter).
            lost = BpfMap.CreatePerCpuArray(options.Kernel, "probes_counts", sizeof(ulong), Enum.GetValues<PhaseCounter>().Length);
            phaseMaps = options.KernelPairing is { } pairing ? PhaseMaps.Create(options.Kernel, pairing, lost) : null;
            var reader = new RingBufferReader(options.Kernel, ring);
            return new UsdtSession(options, ring, lost, reader, taskLayout, phaseMaps);
        }
        catch
        {
            phaseMaps?.Dispose();
            lost?.Dispose();
            ring.Dispose();
            throw;
        }
    }

    /// <summary>Offsets from kernel BTF, or null when the kernel has none (events then lack namespace fields).</summary>
    public TaskLayout? TaskLayout => _taskLayout;

    /// <summary>How programs read namespace fields now (falls back from BtfDirect to ProbeRead if the verifier refuses).</summary>
    public NamespaceAccess NamespaceAccess { get; private set; }

    /// <summary>Why BtfDirect was abandoned, when it was.</summary>
    public BpfVerifierException? NamespaceFallbackReason { get; private set; }

    /// <summary>The pairing maps when <see cref="UsdtSessionOptions.KernelPairing"/> is set (readable until Dispose; <see cref="Detach"/> everything first for final numbers).</summary>
    public PhaseMaps? PhaseMaps => _phaseMaps;

    /// <summary>Records lost because the ring was full, summed over CPUs (counted by the programs).</summary>
    public ulong LostCount => _disposed ? _lostAtDispose : _lost.SumPerCpuUInt64(0);

    private ulong _lostAtDispose;

    /// <summary>Records handed to the caller so far.</summary>
    public long EventsReceived { get; private set; }

    /// <summary>Records whose probe id no site registered (should stay 0).</summary>
    public long UnknownRecords { get; private set; }

    /// <summary>Uprobes attached: one per (site, target), whether through a perf event or a uprobe_multi link.</summary>
    public int AttachmentCount
    {
        get
        {
            lock (_gate)
            {
                return _attachments.Count + _links.Sum(link => link.Targets.Count);
            }
        }
    }

    /// <summary>Programs loaded: one per distinct argument fetch (and per probe where attachments carry no cookie).</summary>
    public int ProgramCount
    {
        get
        {
            lock (_gate)
            {
                return _programs.Count;
            }
        }
    }

    /// <summary>BPF links held: uprobe_multi links, plus one perf link per perf uprobe that carries a cookie.</summary>
    public int LinkCount
    {
        get
        {
            lock (_gate)
            {
                return _links.Count + _attachments.Count(a => a.Link is not null);
            }
        }
    }

    /// <summary>Perf event descriptors held (perf uprobes; none with uprobe_multi links).</summary>
    public int PerfEventCount
    {
        get
        {
            lock (_gate)
            {
                return _attachments.Count;
            }
        }
    }

    /// <summary>BPF maps created: the ring buffer, the per-CPU counters, and the four pairing maps when pairing.</summary>
    public int MapCount => _phaseMaps is null ? 2 : 6;

    /// <summary>What this kernel offers for uprobes, asked once when the first site is added (null before).</summary>
    public UprobeFeatures? Features => _features;

    /// <summary>Why some target gets perf uprobes instead of a uprobe_multi link (one line for <c>--verbose</c>), or null.</summary>
    public string? AttachFallbackReason { get; private set; }

    /// <summary>One line for <c>--verbose</c>: what the attach created in the kernel.</summary>
    public string AttachSummary
    {
        get
        {
            lock (_gate)
            {
                int uprobes = _attachments.Count + _links.Sum(link => link.Targets.Count);
                string how = _links.Count > 0 && _attachments.Count > 0 ? "uprobe_multi links and perf uprobes"
                    : _links.Count > 0 ? "uprobe_multi links"
                    : _attachments.Any(a => a.Link is not null) ? "perf uprobes with BPF links"
                    : "perf uprobes";
                return $"{uprobes} uprobe(s) through {how}: {_programs.Count} program(s), {_links.Count + _attachments.Count(a => a.Link is not null)} link(s), "
                    + $"{_attachments.Count} perf event(s), {MapCount} map(s)";
            }
        }
    }

    public BpfMap RingBuffer => _ring;

    public UsdtRecordLayout Layout(uint probeId) => _layouts[probeId];

    /// <summary>
    /// Generates and loads (or finds already loaded) the program for one site (verifier errors
    /// surface here) and queues an attachment per target; attachments are made by
    /// <see cref="Start"/>, or at once after it. Every site of a probe must be added, or hits at
    /// the missing sites are not seen. Returns the program of the first target.
    /// </summary>
    public BpfProgram AddSite(UsdtProgramSpec spec, IEnumerable<UprobeTarget> targets)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            UsdtRecordLayout layout = spec.Layout(paired: _phaseMaps is not null);
            if (layout.Size + RingBufferReader.HeaderSize > _options.RingBufferBytes / 2)
            {
                // The kernel would refuse every reservation and all hits would count as lost.
                throw new BpfException($"a record of probe id {spec.ProbeId} takes {layout.Size} bytes, too big for a {_options.RingBufferBytes}-byte ring buffer; use a larger ring or shorter strings");
            }
            if (_layouts.TryGetValue(spec.ProbeId, out UsdtRecordLayout? known)
                && (known.Size != layout.Size || known.ArgumentCount != layout.ArgumentCount || !known.StringArguments.SequenceEqual(layout.StringArguments)))
            {
                throw new BpfException($"probe id {spec.ProbeId} was added with a different argument layout; all sites of a probe share one layout");
            }
            _features ??= DetectFeatures();
            List<UprobeTarget> all = targets.ToList();
            var sites = new List<PendingSite>(all.Count);
            BpfProgram? first = null;
            foreach (UprobeTarget target in all)
            {
                UprobeAttachMethod method = _features.MethodFor(target, _options.MaxAttachMethod);
                AttachFallbackReason ??= _features.WhyNotUprobeMulti(target, _options.MaxAttachMethod);
                BpfProgram program = ProgramFor(spec, method);
                first ??= program;
                sites.Add(new PendingSite(program, target, method, spec.ProbeId, _order++));
            }
            // A site without targets still gets its program, so a verifier error surfaces here.
            first ??= ProgramFor(spec, _features.MethodFor(new UprobeTarget("", 0), _options.MaxAttachMethod));
            _layouts = new Dictionary<uint, UsdtRecordLayout>(_layouts) { [spec.ProbeId] = layout };
            if (_started)
            {
                Attach(sites);
            }
            else
            {
                _pending.AddRange(sites);
            }
            return first;
        }
    }

    private UprobeFeatures DetectFeatures() =>
        _options.MaxAttachMethod == UprobeAttachMethod.PerfIoctl ? UprobeFeatures.None with { UprobeMultiAbsence = "not asked" } : UprobeFeatures.Detect(_kernel);

    /// <summary>The program for a site attached by <paramref name="method"/>: loaded once per distinct code.</summary>
    private BpfProgram ProgramFor(UsdtProgramSpec spec, UprobeAttachMethod method)
    {
        ProbeIdSource probeId = method == UprobeAttachMethod.PerfIoctl ? ProbeIdSource.Constant : ProbeIdSource.AttachCookie;
        BpfAttachType attachType = method == UprobeAttachMethod.UprobeMulti ? BpfAttachType.TraceUprobeMulti : 0;
        try
        {
            return LoadOnce(spec, probeId, attachType);
        }
        catch (BpfVerifierException e) when (_taskLayout is not null && NamespaceAccess == NamespaceAccess.BtfDirect)
        {
            // Older kernels or stricter BTF rules: walk the task with bpf_probe_read_kernel instead.
            NamespaceFallbackReason = e;
            NamespaceAccess = NamespaceAccess.ProbeRead;
            return LoadOnce(spec, probeId, attachType);
        }
    }

    private BpfProgram LoadOnce(UsdtProgramSpec spec, ProbeIdSource probeId, BpfAttachType attachType)
    {
        IReadOnlyList<Instruction> instructions = _phaseMaps is not null && spec.Role != PhaseProbeRole.None
            ? PhaseProgramGenerator.Generate(spec, _phaseMaps.Descriptors, _ring.Handle.Fd, _taskLayout, _options.Wakeup, _options.KernelPairing!, NamespaceAccess, probeId)
            : UsdtProgramGenerator.Generate(spec, _ring.Handle.Fd, _lost.Handle.Fd, _taskLayout, _options.Wakeup, NamespaceAccess, probeId);
        var key = (attachType, Convert.ToHexString(Assembler.Marshal(instructions)));
        if (_programs.TryGetValue(key, out BpfProgram? loaded))
        {
            return loaded;
        }
        string name = (_phaseMaps is not null ? spec.Role : PhaseProbeRole.None) switch
        {
            PhaseProbeRole.Begin => $"phase_begin{_programs.Count}",
            PhaseProbeRole.End => $"phase_end{_programs.Count}",
            _ => probeId == ProbeIdSource.Constant ? $"usdt_{spec.ProbeId}" : $"usdt_code{_programs.Count}",
        };
        BpfProgram program = BpfProgram.Load(_kernel, name, BpfProgramType.Kprobe, instructions, "GPL", attachType, 0);
        _programs.Add(key, program);
        return program;
    }

    /// <summary>Attaches every queued uprobe. On failure, those already attached stay until Dispose.</summary>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _started = true;
            Attach(_pending);
        }
    }

    /// <summary>
    /// Attaches <paramref name="sites"/> (removing each from the list once attached): perf uprobes
    /// one by one, uprobe_multi sites one link per (file, pid, program), every unit in the order
    /// of its last site.
    /// </summary>
    private void Attach(List<PendingSite> sites)
    {
        var units = new List<(int Order, List<PendingSite> Sites)>();
        units.AddRange(sites.Where(s => s.Method != UprobeAttachMethod.UprobeMulti).Select(s => (s.Order, new List<PendingSite> { s })));
        units.AddRange(sites.Where(s => s.Method == UprobeAttachMethod.UprobeMulti)
            .GroupBy(s => (s.Target.Path, s.Target.Pid, s.Program))
            .Select(group => (group.Max(s => s.Order), group.OrderBy(s => s.Order).ToList())));
        foreach ((_, List<PendingSite> unit) in units.OrderBy(u => u.Order))
        {
            PendingSite first = unit[0];
            if (first.Method == UprobeAttachMethod.UprobeMulti)
            {
                _links.Add(UprobeMultiLink.Attach(_kernel, first.Program, unit.Select(s => (s.Target, (ulong)s.ProbeId)).ToList()));
            }
            else
            {
                ulong? cookie = first.Method == UprobeAttachMethod.PerfLink ? first.ProbeId : null;
                _attachments.Add(UprobeAttachment.Attach(_kernel, first.Program, first.Target, cookie: cookie));
            }
            foreach (PendingSite site in unit)
            {
                sites.Remove(site);
            }
        }
    }

    /// <summary>
    /// Detaches every uprobe whose target matches, attached or still queued, and returns how many;
    /// the others keep running. The kernel then removes those uprobes and lowers their semaphores
    /// in every process, as on <see cref="Dispose"/>. A uprobe_multi link goes as a whole; if only
    /// some of its sites match, the others are attached again with a new link (they miss the hits
    /// in between). Threading: this takes the attachment gate, never the read gate, so it may
    /// run on the polling thread between two <see cref="Poll"/> calls or on any other thread
    /// during one; records the detached uprobes wrote before are still handed out (their
    /// programs and layouts stay until Dispose).
    /// </summary>
    public int Detach(Func<UprobeTarget, bool> which)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return 0;
            }
            int queued = _pending.RemoveAll(pending => which(pending.Target));
            List<UprobeAttachment> detached = _attachments.Where(attachment => which(attachment.Target)).ToList();
            _attachments.RemoveAll(detached.Contains);
            List<UprobeMultiLink> closing = _links.Where(link => link.Targets.Any(which)).ToList();
            _links.RemoveAll(closing.Contains);
            ParallelDetach.DisposeAll([.. detached, .. closing]);
            int count = queued + detached.Count;
            foreach (UprobeMultiLink link in closing)
            {
                var kept = link.Sites.Where(site => !which(site.Target)).ToList();
                count += link.Sites.Count - kept.Count;
                if (kept.Count > 0)
                {
                    _links.Add(UprobeMultiLink.Attach(_kernel, link.Program, kept));
                }
            }
            return count;
        }
    }

    /// <summary>
    /// Hands out records until cancelled (or until the session is disposed from another thread),
    /// then drains what is left; returns how many.
    /// </summary>
    public long Run(UsdtRecordHandler onRecord, CancellationToken cancellationToken)
    {
        RecordHandler dispatch = record => Dispatch(record, onRecord);
        long total = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!TryRead(reader => reader.Poll(dispatch, _options.PollIntervalMilliseconds), out int count))
            {
                return total;
            }
            total += count;
        }
        TryRead(reader => reader.Drain(dispatch), out int rest);
        return total + rest;
    }

    /// <summary>Waits up to <paramref name="timeoutMilliseconds"/> for records and hands out those present.</summary>
    public int Poll(UsdtRecordHandler onRecord, int timeoutMilliseconds) =>
        TryRead(reader => reader.Poll(record => Dispatch(record, onRecord), timeoutMilliseconds), out int count) ? count : 0;

    /// <summary>Hands out the records present now, without waiting.</summary>
    public int Drain(UsdtRecordHandler onRecord) =>
        TryRead(reader => reader.Drain(record => Dispatch(record, onRecord)), out int count) ? count : 0;

    /// <summary>
    /// One read under the read gate, so Dispose on another thread (Ctrl-C) waits for it instead
    /// of unmapping the ring under the reader's feet. False once disposed.
    /// </summary>
    private bool TryRead(Func<RingBufferReader, int> read, out int count)
    {
        lock (_readGate)
        {
            if (_disposed)
            {
                count = 0;
                return false;
            }
            count = read(_reader);
            return true;
        }
    }

    private void Dispatch(ReadOnlySpan<byte> bytes, UsdtRecordHandler onRecord)
    {
        if (bytes.Length < UsdtRecordLayout.ArgumentsOffset || !_layouts.TryGetValue(UsdtRecord.PeekProbeId(bytes), out UsdtRecordLayout? layout) || bytes.Length < layout.Size)
        {
            UnknownRecords++;
            return;
        }
        EventsReceived++;
        onRecord(new UsdtRecord(bytes, layout));
    }

    /// <summary>A site waiting for <see cref="Start"/>: its program, target, how it attaches, its probe id (the cookie) and its place in the order.</summary>
    private sealed record PendingSite(BpfProgram Program, UprobeTarget Target, UprobeAttachMethod Method, uint ProbeId, int Order);

    private static TaskLayout? TryReadTaskLayout()
    {
        try
        {
            return KernelBtf.RunningKernelTaskLayout;
        }
        catch (BpfException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Detaches every uprobe (closing links and perf events from several threads, see
    /// <see cref="ParallelDetach"/>), then frees programs, the reader and the maps. Safe to call from
    /// another thread while Run is going: it waits for the current poll, and Run then returns.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        lock (_readGate)
        {
            if (_disposed)
            {
                return;
            }
            // Detach first so nothing more is counted, then keep the final count for the exit report.
            ParallelDetach.DisposeAll([.. _links, .. _attachments]);
            _lostAtDispose = _lost.SumPerCpuUInt64(0);
            _disposed = true;
        }
        _links.Clear();
        _attachments.Clear();
        _pending.Clear();
        foreach (BpfProgram program in _programs.Values)
        {
            program.Dispose();
        }
        _reader.Dispose();
        _phaseMaps?.Dispose();
        _lost.Dispose();
        _ring.Dispose();
    }
}
