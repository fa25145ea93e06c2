using System.Diagnostics;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;

namespace Probes.Benchmarks;

/// <summary>
/// What a probe costs while nobody traces, next to an empty call and to what .NET's own
/// instrumentation costs with no listener. The SDK's target: within 1 ns of
/// <see cref="EmptyMethod"/> and 0 bytes allocated.
/// </summary>
[MemoryDiagnoser]
public class Disabled
{
    private static readonly ActivitySource Source = new("Probes.Benchmarks.NoListener");
    private static readonly BenchEventSource Log = BenchEventSource.Log;

    [GlobalSetup]
    public void Setup()
    {
        // With no shim the SDK reads a private zero: just as fast, but not what is claimed.
        string path = Guard.RequireShimLoaded();
        if (Probe.IsEnabled || Probe.IsMarkEnabled || Probe.IsContextEnabled)
        {
            throw new InvalidOperationException($"a tracer is attached to {path}; the disabled suite must run untraced.");
        }
        if (Log.IsEnabled() || Source.HasListeners())
        {
            throw new InvalidOperationException("an EventSource or Activity listener is active; the comparison would be unfair.");
        }
        Console.WriteLine($"// probes: shim {path}, semaphores 0");
    }

    /// <summary>The floor: a call that cannot be inlined and does nothing.</summary>
    [Benchmark(Baseline = true)]
    public void EmptyMethod() => Empty();

    [Benchmark]
    public void Phase()
    {
        using (Probe.Phase("x"))
        {
        }
    }

    [Benchmark]
    public void Mark() => Probe.Mark("x", 42);

    [Benchmark]
    public bool IsEnabled() => Probe.IsEnabled;

    /// <summary>
    /// The ABI v2 phase_context check: the semaphore load and branch the SDK makes after each
    /// traced phase_begin (its only cost while no tracer joins phases to traces).
    /// </summary>
    [Benchmark]
    public bool IsContextEnabled() => Probe.IsContextEnabled;

    [Benchmark]
    public bool EventSourceIsEnabled() => Log.IsEnabled();

    /// <summary>The usual EventSource call site: check, then write.</summary>
    [Benchmark]
    public void EventSourceGuardedWrite()
    {
        if (Log.IsEnabled())
        {
            Log.PhaseStarted("x", 42);
        }
    }

    [Benchmark]
    public void ActivitySourceStartActivity()
    {
        using (Source.StartActivity("x"))
        {
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Empty()
    {
    }
}
