using System.Collections.Concurrent;
using System.Diagnostics;

namespace Probes.Sample;

/// <summary>
/// `--self-report`: the sample measures its own phases with a Stopwatch, so tests can compare
/// what a tracer measured with what the process measured itself. A woven phase is measured by
/// its caller, around the call: a Stopwatch inside the method would miss what the caller
/// really waits for (the first call's JIT of the async machinery, an exception leaving the
/// method). Each measurement carries its start order per phase name (<c>seq</c>), which is
/// also the order of the phase's begin probes.
/// </summary>
internal sealed class SelfReport(bool enabled)
{
    private readonly ConcurrentDictionary<string, StrongBox> _sequence = new();

    /// <summary>Runs and measures a synchronous woven phase.</summary>
    public void Call(string name, Action call)
    {
        if (!enabled)
        {
            call();
            return;
        }
        (long seq, long started, TimeSpan paused) = Start(name);
        try
        {
            call();
        }
        finally
        {
            Print(name, seq, started, paused);
        }
    }

    /// <summary>Runs and measures an asynchronous woven phase, until its task completed (in any way).</summary>
    public Task Call(string name, Func<Task> call) => enabled ? Measure(name, call) : call();

    /// <summary>
    /// A manual probe scope, measured between its two probes: the Stopwatch starts after the
    /// begin probe and stops before the end probe, so it measures the same stretch a tracer does.
    /// </summary>
    public Measured Phase(string name)
    {
        long seq = enabled ? NextSequence(name) : 0;
        PhaseScope scope = Probe.Phase(name);
        return new Measured(name, seq, enabled ? Stopwatch.GetTimestamp() : 0, enabled ? GC.GetTotalPauseDuration() : default, scope);
    }

    private async Task Measure(string name, Func<Task> call)
    {
        (long seq, long started, TimeSpan paused) = Start(name);
        try
        {
            await call().ConfigureAwait(false);
        }
        finally
        {
            Print(name, seq, started, paused);
        }
    }

    private (long Seq, long Started, TimeSpan Paused) Start(string name)
    {
        long seq = NextSequence(name);
        return (seq, Stopwatch.GetTimestamp(), GC.GetTotalPauseDuration());
    }

    private long NextSequence(string name) => Interlocked.Increment(ref _sequence.GetOrAdd(name, _ => new StrongBox()).Value) - 1;

    private static void Print(string name, long seq, long started, TimeSpan pausedBefore) =>
        Print(name, seq, Stopwatch.GetElapsedTime(started), GC.GetTotalPauseDuration() - pausedBefore);

    // pause_ns: how long the runtime paused for GC during the measurement. A pause may fall on
    // either side of a probe (the SDK allocates next to it), so a comparison allows for it.
    private static void Print(string name, long seq, TimeSpan elapsed, TimeSpan paused) =>
        Console.WriteLine($"self-report phase={name} seq={seq} ns={elapsed.Ticks * 100} pause_ns={paused.Ticks * 100}");

    private sealed class StrongBox
    {
        public long Value;
    }

    internal readonly struct Measured(string name, long seq, long started, TimeSpan pausedBefore, PhaseScope scope) : IDisposable
    {
        public void Dispose()
        {
            TimeSpan elapsed = started != 0 ? Stopwatch.GetElapsedTime(started) : default;
            TimeSpan paused = started != 0 ? GC.GetTotalPauseDuration() - pausedBefore : default;
            scope.Dispose();
            if (started != 0)
            {
                Print(name, seq, elapsed, paused);
            }
        }
    }
}
