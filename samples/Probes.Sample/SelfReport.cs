using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Probes.Sample;

/// <summary>
/// `--self-report`: the sample measures its own phases with a Stopwatch, so tests can compare
/// what a tracer measured with what the process measured itself. A woven phase is measured by
/// its caller, around the call: a Stopwatch inside the method would miss what the caller
/// really waits for (the first call's JIT of the async machinery, an exception leaving the
/// method). Each measurement carries its start order per phase name (<c>seq</c>), which is
/// also the order of the phase's begin probes. The measured methods are compiled up front
/// (<see cref="PrepareMeasuredCode"/>): a method's JIT happens before its begin probe can fire,
/// so a first instance would otherwise count a cost the caller pays once and no probe sees.
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
        (long seq, long started) = Start(name);
        try
        {
            call();
        }
        finally
        {
            Print(name, seq, started);
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
        return new Measured(name, seq, enabled ? Stopwatch.GetTimestamp() : 0, scope);
    }

    /// <summary>
    /// The Stopwatch stops in a continuation that runs synchronously on the thread that completes
    /// the task, right after the woven end probe (registered first), not when an awaiting
    /// continuation gets scheduled: on a busy machine that can be a millisecond later.
    /// </summary>
    private Task Measure(string name, Func<Task> call)
    {
        (long seq, long started) = Start(name);
        Task task;
        try
        {
            task = call();
        }
        catch
        {
            Print(name, seq, started);
            throw;
        }
        return task.ContinueWith(
            (completed, _) =>
            {
                Print(name, seq, started);
                return completed;
            },
            null,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default).Unwrap();
    }

    /// <summary>
    /// Compiles the measured code before the first measurement, so the first instance of a phase
    /// does not count, before its begin probe, the JIT time of the method that fires it.
    /// </summary>
    public static void PrepareMeasuredCode(params Type[] types)
    {
        foreach (Type type in types.SelectMany(t => t.GetNestedTypes(BindingFlags.NonPublic | BindingFlags.Public).Prepend(t)))
        {
            if (type.IsGenericTypeDefinition)
            {
                continue;
            }
            const BindingFlags all = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
            foreach (MethodBase method in type.GetMethods(all).Where(m => !m.IsAbstract && !m.IsGenericMethodDefinition).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                RuntimeHelpers.PrepareMethod(method.MethodHandle);
            }
        }
    }

    private (long Seq, long Started) Start(string name)
    {
        long seq = NextSequence(name);
        return (seq, Stopwatch.GetTimestamp());
    }

    private long NextSequence(string name) => Interlocked.Increment(ref _sequence.GetOrAdd(name, _ => new StrongBox()).Value) - 1;

    private void Print(string name, long seq, long started) => Print(name, seq, Stopwatch.GetElapsedTime(started));

    private static void Print(string name, long seq, TimeSpan elapsed) =>
        Console.WriteLine($"self-report phase={name} seq={seq} ns={elapsed.Ticks * 100}");

    private sealed class StrongBox
    {
        public long Value;
    }

    internal readonly struct Measured(string name, long seq, long started, PhaseScope scope) : IDisposable
    {
        public void Dispose()
        {
            TimeSpan elapsed = started != 0 ? Stopwatch.GetElapsedTime(started) : default;
            scope.Dispose();
            if (started != 0)
            {
                Print(name, seq, elapsed);
            }
        }
    }
}
