using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime;
using System.Runtime.CompilerServices;

namespace Probes.Sample;

/// <summary>
/// `--self-report`: the sample measures its own phases with a Stopwatch, so tests can compare
/// what a tracer measured with what the process measured itself. A woven phase is measured by
/// its caller, from just before the call until its task completes: a Stopwatch inside the
/// method would miss what the caller really waits for (the first call's JIT of the async
/// machinery, an exception leaving the method). Each measurement carries its start order per
/// phase name (<c>seq</c>), which is also the order of the phase's begin probes.
/// </summary>
/// <remarks>
/// The ruler must not measure itself. Its own first-use costs (the JIT of <see cref="Measure"/>'s
/// state machine, first resumed on a thread-pool thread after the first awaited phase ended;
/// an exception rethrown into the caller) would sit between a probe and the Stopwatch, where
/// no tracer can see them: that made the first fetch to finish a millisecond (under load tens
/// of milliseconds) longer than its trace. So the Stopwatch stops when the task completes, on
/// the completing thread, and <see cref="Prepare"/> runs the ruler once before any phase.
/// </remarks>
internal sealed class SelfReport(bool enabled)
{
    private static readonly Action<Task, object?> StopAtCompletion = (_, measurement) => ((Measurement)measurement!).Stop();

    private readonly ConcurrentDictionary<string, StrongBox> _sequence = new();

    /// <summary>
    /// Gets the ruler ready before the first measurement. It runs the measuring code once, on
    /// an unreported task that completes on another thread, so that its own JIT and first-call
    /// fixups are done; and it prepares the methods of <paramref name="measured"/> (and of their
    /// nested closures and state machines): the first call of a method loads its state machine
    /// type and resolves its ReadyToRun entry before the method's first instruction, i.e.
    /// before its begin probe can fire, where the Stopwatch around the call sees it and no
    /// tracer can.
    /// </summary>
    public void Prepare(params Type[] measured)
    {
        if (!enabled)
        {
            return;
        }
        var completion = new TaskCompletionSource();
        Task task = Measure(Measurement.Unreported(), () => completion.Task);
        var completer = new Thread(completion.SetResult);
        completer.Start();
        completer.Join();
        task.GetAwaiter().GetResult();
        Call(Measurement.Unreported(), static () => { });
        new Measured(null, default).Dispose();

        const BindingFlags declared = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        foreach (Type type in measured.SelectMany(t => t.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic).Prepend(t)).Where(t => !t.ContainsGenericParameters))
        {
            foreach (MethodBase method in type.GetMethods(declared).Where(m => !m.IsAbstract && !m.ContainsGenericParameters).Concat<MethodBase>(type.GetConstructors(declared)))
            {
                RuntimeHelpers.PrepareMethod(method.MethodHandle);
            }
        }
    }

    /// <summary>Runs and measures a synchronous woven phase.</summary>
    public void Call(string name, Action call)
    {
        if (!enabled)
        {
            call();
            return;
        }
        Call(Start(name), call);
    }

    /// <summary>Runs and measures an asynchronous woven phase, until its task completed (in any way).</summary>
    public Task Call(string name, Func<Task> call) => enabled ? Measure(Start(name), call) : call();

    /// <summary>
    /// A manual probe scope, measured between its two probes: the Stopwatch starts after the
    /// begin probe and stops before the end probe, so it measures the same stretch a tracer does.
    /// </summary>
    public Measured Phase(string name)
    {
        // Allocated before the begin probe: a GC it triggered after the probe would be traced time
        // the Stopwatch misses.
        Measurement? measurement = enabled ? new Measurement(name, NextSequence(name)) : null;
        PhaseScope scope = Probe.Phase(name);
        measurement?.Start();
        return new Measured(measurement, scope);
    }

    private static void Call(Measurement measurement, Action call)
    {
        try
        {
            call();
        }
        finally
        {
            measurement.Stop();
            measurement.Print();
        }
    }

    private static async Task Measure(Measurement measurement, Func<Task> call)
    {
        try
        {
            Task task = call();
            measurement.LeftStartThread();
            // Stops on the thread that completes the task, right after the woven end probe
            // (WovenPhase.Leave registered that continuation first, inside the call), not when
            // this method resumes: the resumption is the caller's work, not the phase's.
            _ = task.ContinueWith(StopAtCompletion, measurement, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            await task.ConfigureAwait(false);
        }
        finally
        {
            // Stops here only if the continuation could not run inline (then it is late, never early).
            measurement.Stop();
            measurement.Print();
        }
    }

    private Measurement Start(string name)
    {
        var measurement = new Measurement(name, NextSequence(name));
        measurement.Start();
        return measurement;
    }

    private long NextSequence(string name) => Interlocked.Increment(ref _sequence.GetOrAdd(name, _ => new StrongBox()).Value) - 1;

    private sealed class StrongBox
    {
        public long Value;
    }

    /// <summary>One Stopwatch reading per phase instance; the first <see cref="Stop"/> wins.</summary>
    internal sealed class Measurement
    {
        private readonly Lock _gate = new();
        private readonly string? _name;
        private readonly long _seq;
        private TimeSpan _pausedBefore;
        private long _started;
        private long _stopped;
        private TimeSpan _pausedAtStop;
        private int _startThread;
        private TimeSpan _jitBefore;
        private TimeSpan? _jitOnStartThread;

        public Measurement(string? name, long seq)
        {
            _name = name;
            _seq = seq;
        }

        public static Measurement Unreported()
        {
            var measurement = new Measurement(null, 0);
            measurement.Start();
            return measurement;
        }

        public void Start()
        {
            _pausedBefore = GC.GetTotalPauseDuration();
            _startThread = Environment.CurrentManagedThreadId;
            _jitBefore = JitInfo.GetCompilationTime(currentThread: true);
            // Last, so nothing of the start lies inside the measurement.
            _started = Stopwatch.GetTimestamp();
        }

        public void Stop()
        {
            long now = Stopwatch.GetTimestamp();
            TimeSpan paused = GC.GetTotalPauseDuration();
            lock (_gate)
            {
                if (_stopped == 0)
                {
                    _stopped = now;
                    _pausedAtStop = paused;
                }
            }
        }

        /// <summary>Reads the starting thread's compilation time once, while still on that thread.</summary>
        public void LeftStartThread()
        {
            if (Environment.CurrentManagedThreadId != _startThread)
            {
                return;
            }
            TimeSpan compiled = JitInfo.GetCompilationTime(currentThread: true) - _jitBefore;
            lock (_gate)
            {
                _jitOnStartThread ??= compiled;
            }
        }

        // pause_ns: how long the runtime paused for GC during the measurement. A pause may fall on
        // either side of a probe (the SDK allocates next to it), so a comparison allows for it.
        // jit_ns: how long the thread that started the measurement spent compiling until the
        // phase left it (its first await, or its end). A first call's compilation (what
        // ReadyToRun could not hold) runs between the Stopwatch's start and the begin probe, where
        // no tracer can see it, so a comparison allows for it as for a GC pause. In the tests'
        // rare failures it was the first instance of a phase, in the process's first request,
        // that the Stopwatch saw hundreds of µs longer than the probes.
        // start_ns/stop_ns: CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns, to place a
        // measurement against the probes' own timestamps (e.g. from bpftrace's nsecs).
        public void Print()
        {
            LeftStartThread(); // after the end probe of a synchronous phase, so not in its traced time
            long stopped;
            TimeSpan paused, compiling;
            lock (_gate)
            {
                (stopped, paused, compiling) = (_stopped, _pausedAtStop - _pausedBefore, _jitOnStartThread ?? TimeSpan.Zero);
            }
            if (_name is null || stopped == 0)
            {
                return;
            }
            Console.WriteLine($"self-report phase={_name} seq={_seq} ns={Nanoseconds(stopped - _started)} pause_ns={paused.Ticks * 100}"
                + $" start_ns={Nanoseconds(_started)} stop_ns={Nanoseconds(stopped)} jit_ns={compiling.Ticks * 100}");
        }

        private static long Nanoseconds(long timestamp) =>
            Stopwatch.Frequency == 1_000_000_000 ? timestamp : (long)(timestamp * (1e9 / Stopwatch.Frequency));
    }

    internal readonly struct Measured(Measurement? measurement, PhaseScope scope) : IDisposable
    {
        public void Dispose()
        {
            measurement?.Stop();
            scope.Dispose();
            measurement?.Print();
        }
    }
}
