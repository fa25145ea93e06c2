using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace Probes.Benchmarks;

/// <summary>
/// What a probe costs while bpftrace counts it. Each benchmark runs in its own process
/// (BenchmarkDotNet's default toolchain); its setup starts bpftrace against that process and
/// waits until the semaphores are raised, and its cleanup checks from bpftrace's own counts
/// that the probes really fired and paired. Needs root.
/// </summary>
/// <remarks>
/// <see cref="ShimPair"/> calls the two shim functions directly, as the SDK does, without the
/// SDK's bookkeeping (span object, AsyncLocal, span ids): <see cref="Phase"/> minus
/// <see cref="ShimPair"/> is what the SDK adds on top of two uprobe hits. The kernel's own
/// floor (a C probe site) is measured by bench/native/usdt_floor in the same run.sh run, and
/// <see cref="CpuTimeRun"/> times these same methods by thread CPU time.
/// </remarks>
[MemoryDiagnoser]
public unsafe class Enabled
{
    private static readonly byte* Name = (byte*)NativeMemory.AllocZeroed(2);
    private static readonly ProbeName PreparedName = ProbeName.Get("x");

    private BpftraceSession? _tracer;
    private ushort* _beginSemaphore;
    private delegate* unmanaged[Cdecl, SuppressGCTransition]<uint, byte*, ulong, ulong, void> _begin;
    private delegate* unmanaged[Cdecl, SuppressGCTransition]<uint, byte*, ulong, int, void> _end;
    private long _unrecorded;
    private ulong _spanId;

    [GlobalSetup]
    public void Setup()
    {
        Guard.RequireRoot();
        string library = Guard.RequireShimLoaded();

        // The same exports the SDK binds; NativeLibrary.Load returns the handle already loaded.
        IntPtr handle = NativeLibrary.Load(library);
        _beginSemaphore = (ushort*)NativeLibrary.GetExport(handle, "probes_phase_begin_semaphore");
        _begin = (delegate* unmanaged[Cdecl, SuppressGCTransition]<uint, byte*, ulong, ulong, void>)NativeLibrary.GetExport(handle, "probes_phase_begin");
        _end = (delegate* unmanaged[Cdecl, SuppressGCTransition]<uint, byte*, ulong, int, void>)NativeLibrary.GetExport(handle, "probes_phase_end");
        ushort* endSemaphore = (ushort*)NativeLibrary.GetExport(handle, "probes_phase_end_semaphore");
        Name[0] = (byte)'x';

        // All three, not only the ones the SDK reads: bpftrace attaches probe by probe, and a
        // phase whose end is not yet traced would fail the pairing check in Cleanup.
        _tracer = BpftraceSession.Start(
            library,
            Environment.ProcessId,
            () => Probe.IsEnabled && Probe.IsMarkEnabled && *endSemaphore != 0,
            TimeSpan.FromSeconds(60));
        // The kernel raises a semaphore when bpftrace opens the uprobe, a moment before the BPF
        // program is set on it; nothing fires during setup, and this covers that moment.
        Thread.Sleep(200);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_tracer is null)
        {
            return;
        }
        IReadOnlyDictionary<string, long> counts = _tracer.Stop();
        _tracer.Dispose();
        _tracer = null;
        long begins = counts.GetValueOrDefault("phase_begin");
        long ends = counts.GetValueOrDefault("phase_end");
        long marks = counts.GetValueOrDefault("mark");
        Console.WriteLine($"// probes: bpftrace counted phase_begin={begins} phase_end={ends} mark={marks}; unrecorded phases={_unrecorded}");
        // Refuse the number when the measured probes did not all reach the tracer.
        if (begins != ends || begins + marks == 0 || _unrecorded != 0)
        {
            throw new InvalidOperationException("the probes were not traced for the whole run; this 'enabled' result is invalid.");
        }
    }

    /// <summary>
    /// A whole phase, begin and end. The IsRecording check proves every measured phase fired
    /// (a predictable branch, noise against the two uprobe traps).
    /// </summary>
    [Benchmark]
    public void Phase()
    {
        using PhaseScope scope = Probes.Probe.Phase("x");
        if (!scope.IsRecording)
        {
            _unrecorded++;
        }
    }

    /// <summary>
    /// The form woven code uses: the name prepared once, so no lookup per call.
    /// <see cref="Phase"/> minus this is the cost of finding the interned name.
    /// </summary>
    [Benchmark]
    public void PhasePreparedName()
    {
        using PhaseScope scope = Probes.Probe.Phase(PreparedName);
        if (!scope.IsRecording)
        {
            _unrecorded++;
        }
    }

    /// <summary>The shim's begin and end through function pointers: the managed floor of a phase.</summary>
    [Benchmark]
    public void ShimPair()
    {
        if (*_beginSemaphore != 0)
        {
            ulong span = ++_spanId;
            _begin(0x12345678u, Name, span, 0);
            _end(0x12345678u, Name, span, 0);
        }
        else
        {
            _unrecorded++;
        }
    }

    [Benchmark]
    public void Mark() => Probes.Probe.Mark("x", 42);
}
