using System.Diagnostics;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace Probes.Benchmarks;

/// <summary>
/// What joining a phase to the application's trace costs (issue 17): with bpftrace counting
/// phase_begin, phase_end and ABI v2's phase_context, a phase inside a W3C activity (begin +
/// context + end: three uprobe hits) against the same phase outside any activity (begin + end;
/// the context check is a load and a branch). Needs root.
/// </summary>
[MemoryDiagnoser]
public unsafe class EnabledContext
{
    private static readonly ProbeName PreparedName = ProbeName.Get("x");

    private BpftraceSession? _tracer;
    private Activity? _activity;
    private long _unrecorded;

    [GlobalSetup]
    public void Setup()
    {
        Guard.RequireRoot();
        string library = Guard.RequireShimLoaded();
        IntPtr handle = NativeLibrary.Load(library);
        ushort* endSemaphore = (ushort*)NativeLibrary.GetExport(handle, "probes_phase_end_semaphore");
        _tracer = BpftraceSession.Start(library, Environment.ProcessId,
            () => Probe.IsEnabled && Probe.IsMarkEnabled && Probe.IsContextEnabled && *endSemaphore != 0, TimeSpan.FromSeconds(60), withContext: true);
        Thread.Sleep(200);
        _activity = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
        Activity.Current = null;
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
        long contexts = counts.GetValueOrDefault("phase_context");
        Console.WriteLine($"// probes: bpftrace counted phase_begin={begins} phase_end={ends} phase_context={contexts}; unrecorded phases={_unrecorded}");
        if (begins != ends || begins == 0 || _unrecorded != 0 || (contexts != 0 && contexts != begins))
        {
            throw new InvalidOperationException("the probes were not traced for the whole run; this 'enabled' result is invalid.");
        }
    }

    /// <summary>A phase outside any activity: begin + end, and the context check in between.</summary>
    [Benchmark(Baseline = true)]
    public void PhaseNoActivity()
    {
        Activity.Current = null; // unchanged after the first call: the setter returns early
        using PhaseScope scope = Probe.Phase(PreparedName);
        if (!scope.IsRecording)
        {
            _unrecorded++;
        }
    }

    /// <summary>The same phase inside a W3C activity: begin + phase_context + end.</summary>
    [Benchmark]
    public void PhaseInActivity()
    {
        Activity.Current = _activity;
        using PhaseScope scope = Probe.Phase(PreparedName);
        if (!scope.IsRecording)
        {
            _unrecorded++;
        }
    }
}
