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
/// shared by all programs, one program per site, one uprobe per (site, target). The caller
/// (the CLI) resolves probes to file offsets and addresses; this layer knows no ELF and no
/// containers. Dispose (or process death) detaches everything.
/// <code>
/// using var session = UsdtSession.Create(new UsdtSessionOptions { RingBufferBytes = 1 &lt;&lt; 22 });
/// session.AddSite(new UsdtProgramSpec(1, site.Arguments, StringArguments: [1]),
///                 [new UprobeTarget("/usr/lib/libprobes.so", site.FileOffset, site.SemaphoreFileOffset)]);
/// session.Start();
/// session.Run(record =&gt; Console.WriteLine($"{record.Pid} {record.Argument(0)}"), token);
/// Console.WriteLine($"lost {session.LostCount}");
/// </code>
/// </summary>
public sealed class UsdtSession : IDisposable
{
    private readonly UsdtSessionOptions _options;
    private readonly Kernel _kernel;
    private readonly BpfMap _ring;
    private readonly BpfMap _lost;
    private readonly RingBufferReader _reader;
    private readonly TaskLayout? _taskLayout;
    // Replaced, never mutated, so a reader thread in Run sees a consistent map while AddSite runs on another.
    private volatile Dictionary<uint, UsdtRecordLayout> _layouts = [];
    private readonly Lock _gate = new();
    private readonly Lock _readGate = new();
    private readonly List<BpfProgram> _programs = [];
    private readonly List<(BpfProgram Program, UprobeTarget Target)> _pending = [];
    private readonly List<UprobeAttachment> _attachments = [];
    private bool _started;
    private volatile bool _disposed;

    private UsdtSession(UsdtSessionOptions options, BpfMap ring, BpfMap lost, RingBufferReader reader, TaskLayout? taskLayout)
    {
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
        try
        {
            lost = BpfMap.CreatePerCpuArray(options.Kernel, "probes_lost", sizeof(ulong), 1);
            var reader = new RingBufferReader(options.Kernel, ring);
            return new UsdtSession(options, ring, lost, reader, taskLayout);
        }
        catch
        {
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

    /// <summary>Records lost because the ring was full, summed over CPUs (counted by the programs).</summary>
    public ulong LostCount => _disposed ? _lostAtDispose : _lost.SumPerCpuUInt64(0);

    private ulong _lostAtDispose;

    /// <summary>Records handed to the caller so far.</summary>
    public long EventsReceived { get; private set; }

    /// <summary>Records whose probe id no site registered (should stay 0).</summary>
    public long UnknownRecords { get; private set; }

    public int AttachmentCount
    {
        get
        {
            lock (_gate)
            {
                return _attachments.Count;
            }
        }
    }

    public BpfMap RingBuffer => _ring;

    public UsdtRecordLayout Layout(uint probeId) => _layouts[probeId];

    /// <summary>
    /// Generates and loads the program for one site (verifier errors surface here) and queues an
    /// attachment per target; attachments are made by <see cref="Start"/>, or at once after it.
    /// Every site of a probe must be added, or hits at the missing sites are not seen.
    /// </summary>
    public BpfProgram AddSite(UsdtProgramSpec spec, IEnumerable<UprobeTarget> targets)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            UsdtRecordLayout layout = spec.Layout();
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
            BpfProgram program;
            try
            {
                program = LoadSiteProgram(spec);
            }
            catch (BpfVerifierException e) when (_taskLayout is not null && NamespaceAccess == NamespaceAccess.BtfDirect)
            {
                // Older kernels or stricter BTF rules: walk the task with bpf_probe_read_kernel instead.
                NamespaceFallbackReason = e;
                NamespaceAccess = NamespaceAccess.ProbeRead;
                program = LoadSiteProgram(spec);
            }
            _programs.Add(program);
            _layouts = new Dictionary<uint, UsdtRecordLayout>(_layouts) { [spec.ProbeId] = layout };
            foreach (UprobeTarget target in targets)
            {
                if (_started)
                {
                    _attachments.Add(UprobeAttachment.Attach(_kernel, program, target));
                }
                else
                {
                    _pending.Add((program, target));
                }
            }
            return program;
        }
    }

    private BpfProgram LoadSiteProgram(UsdtProgramSpec spec)
    {
        IReadOnlyList<Instruction> instructions = UsdtProgramGenerator.Generate(spec, _ring.Handle.Fd, _lost.Handle.Fd, _taskLayout, _options.Wakeup, NamespaceAccess);
        return BpfProgram.Load(_kernel, $"usdt_{spec.ProbeId}", BpfProgramType.Kprobe, instructions);
    }

    /// <summary>Attaches every queued uprobe. On failure, those already attached stay until Dispose.</summary>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _started = true;
            while (_pending.Count > 0)
            {
                (BpfProgram program, UprobeTarget target) = _pending[0];
                _attachments.Add(UprobeAttachment.Attach(_kernel, program, target));
                _pending.RemoveAt(0);
            }
        }
    }

    /// <summary>
    /// Detaches (closes the perf events of) every uprobe whose target matches, attached or still
    /// queued, and returns how many; the others keep running. The kernel then removes those
    /// uprobes and lowers their semaphores in every process, as on <see cref="Dispose"/>.
    /// Threading: this takes the attachment gate, never the read gate, so it may run on the
    /// polling thread between two <see cref="Poll"/> calls or on any other thread during one;
    /// records the detached uprobes wrote before are still handed out (their programs and
    /// layouts stay until Dispose).
    /// </summary>
    public int Detach(Func<UprobeTarget, bool> which)
    {
        List<UprobeAttachment> detached;
        lock (_gate)
        {
            if (_disposed)
            {
                return 0;
            }
            int queued = _pending.RemoveAll(pending => which(pending.Target));
            detached = _attachments.Where(attachment => which(attachment.Target)).ToList();
            _attachments.RemoveAll(detached.Contains);
            foreach (UprobeAttachment attachment in detached)
            {
                attachment.Dispose();
            }
            return queued + detached.Count;
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
    /// Detaches every uprobe, then frees programs, the reader and the maps. Safe to call from
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
            foreach (UprobeAttachment attachment in _attachments)
            {
                attachment.Dispose();
            }
            _lostAtDispose = _lost.SumPerCpuUInt64(0);
            _disposed = true;
        }
        _attachments.Clear();
        _pending.Clear();
        foreach (BpfProgram program in _programs)
        {
            program.Dispose();
        }
        _reader.Dispose();
        _lost.Dispose();
        _ring.Dispose();
    }
}
