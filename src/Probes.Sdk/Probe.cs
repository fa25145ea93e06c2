using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Probes;

/// <summary>
/// The manual probe API. Every call first reads the probe's semaphore, which the kernel
/// raises while a tracer (probes, bpftrace, perf, ...) is attached; when it is zero the call
/// is that read and one branch, with no allocation and no native call.
/// </summary>
/// <example>
/// <code>
/// using (Probe.Phase("LoadConfig"))
/// {
///     config = Load();
/// }
/// </code>
/// </example>
public static unsafe class Probe
{
    /// <summary>True while a tracer listens to phase probes.</summary>
    public static bool IsEnabled
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => *NativeShim.PhaseBeginSemaphore != 0;
    }

    /// <summary>True while a tracer listens to <c>probes:mark</c>.</summary>
    public static bool IsMarkEnabled
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => *NativeShim.MarkSemaphore != 0;
    }

    /// <summary>The libprobes.so in use, or null when probes are unavailable in this process.</summary>
    public static string? NativeLibraryPath => NativeShim.LoadedPath;

    /// <summary>Why probes are unavailable in this process, or null when they are available.</summary>
    public static string? UnavailableReason => NativeShim.IsLoaded() ? null : NativeShim.LoadError;

    /// <summary>
    /// Begins a phase: fires <c>probes:phase_begin</c> now and <c>probes:phase_end</c> when
    /// the returned scope is disposed. The parent is the phase current on this logical flow.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PhaseScope Phase(string name)
    {
        if (*NativeShim.PhaseBeginSemaphore == 0)
        {
            return default;
        }
        return BeginSpan(ProbeName.Get(name));
    }

    /// <summary>
    /// Begins a phase with a name prepared once (<see cref="ProbeName.Get(string)"/>), which
    /// saves the name lookup on the enabled path; woven code uses this form.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PhaseScope Phase(ProbeName name)
    {
        if (*NativeShim.PhaseBeginSemaphore == 0)
        {
            return default;
        }
        return BeginSpan(name);
    }

    /// <summary>
    /// Begins a phase as a child of <paramref name="parent"/> rather than of the phase current
    /// on this flow: for work that runs where the flow does not reach (callbacks, queues, host
    /// lifecycle hooks). When <paramref name="parent"/> is not recording, the current phase is
    /// the parent as usual.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PhaseScope Phase(string name, PhaseScope parent)
    {
        if (*NativeShim.PhaseBeginSemaphore == 0)
        {
            return default;
        }
        return BeginSpan(ProbeName.Get(name), parent.Span ?? SpanContext.Current);
    }

    /// <summary>Fires <c>probes:mark</c>: a point event with a value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Mark(string name, long value)
    {
        if (*NativeShim.MarkSemaphore == 0)
        {
            return;
        }
        FireMark(ProbeName.Get(name), value);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static PhaseScope BeginSpan(ProbeName name) => BeginSpan(name, SpanContext.Current);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static PhaseScope BeginSpan(ProbeName name, ActiveSpan? parent)
    {
        if (!s_enabledPathCompiled)
        {
            CompileEnabledPath();
        }
        // The bookkeeping (the span object, the AsyncLocal write) comes before the probe, so
        // its cost, and a GC it may trigger, stays outside the traced phase: the tracer should
        // not lengthen what it measures.
        var span = new ActiveSpan(name, SpanContext.NextSpanId(), parent);
        SpanContext.Current = span;
        NativeShim.PhaseBegin(name.Id, name.Utf8, span.SpanId, parent?.SpanId ?? 0);
        // ABI v2: only a tracer that joins phases to the application's traces raises this one,
        // so every other tracer pays a load and a branch here.
        if (*NativeShim.PhaseContextSemaphore != 0)
        {
            FireContext(span.SpanId);
        }
        return new PhaseScope(span);
    }

    private static bool s_enabledPathCompiled;

    /// <summary>Whether <see cref="CompileEnabledPath"/> has run in this process (tests).</summary>
    internal static bool IsEnabledPathPrepared => s_enabledPathCompiled;

    /// <summary>
    /// Runs the SDK's enabled path once without firing a probe: the name table, the AsyncLocal
    /// read and write, and the end path on a span that is already ended. Its first run costs
    /// a few hundred microseconds of JIT, type and assembly loads (milliseconds on a busy
    /// machine). Run at the first traced begin it lands before that phase's begin probe, in
    /// the caller's time but not the phase's; run ahead of the first traced phase (the shim
    /// calls it when it loads while a tracer is already attached) it lands in no phase at all.
    /// Without it the end path would compile inside the first phase, between the application's
    /// last instruction and the end probe. Only ever runs while a tracer is attached.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void CompileEnabledPath()
    {
        var ended = new ActiveSpan(ProbeName.Get("probes.warmup"), 0, null);
        ended.TryMarkEnded();
        var scope = new PhaseScope(ended);
        scope.End(PhaseStatus.Faulted);
        scope.Dispose();
        ActiveSpan? current = SpanContext.Current;
        SpanContext.Current = ended;
        // With a phase current the flow's ExecutionContext is not the default one, so the
        // continuation task captures it and completes on its slower path, as in a real phase.
        Weaving.WovenPhase.Warm(scope);
        SpanContext.Current = current;
        // The context read, so a tracer that joins traces does not JIT it inside a first phase.
        TryReadActivityContext(out _, out _, out _);
        s_enabledPathCompiled = true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void EndSpan(ActiveSpan span, PhaseStatus status)
    {
        if (!span.TryMarkEnded())
        {
            return;
        }
        NativeShim.PhaseEnd(span.Name.Id, span.Name.Utf8, span.SpanId, (int)status);
        // The bookkeeping comes after the end probe, as it comes before the begin probe:
        // writing the AsyncLocal allocates, which can touch fresh heap pages or start a GC, and
        // that is not the phase's time. Restore the parent only if this span is still current:
        // a scope disposed out of order must not resurrect a phase that already ended.
        if (ReferenceEquals(SpanContext.Current, span))
        {
            SpanContext.Current = span.Parent;
        }
    }

    /// <summary>True while a tracer listens to <c>probes:phase_context</c> (ABI v2).</summary>
    public static bool IsContextEnabled
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => *NativeShim.PhaseContextSemaphore != 0;
    }

    /// <summary>
    /// Fires <c>probes:phase_context</c> for <paramref name="spanId"/> when the flow runs inside
    /// a W3C activity: its trace id as two big-endian halves and its span id. Reads the ids into
    /// stack memory, so it allocates nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void FireContext(ulong spanId)
    {
        if (TryReadActivityContext(out ulong traceHi, out ulong traceLo, out ulong activitySpan))
        {
            NativeShim.PhaseContext(spanId, traceHi, traceLo, activitySpan);
        }
    }

    /// <summary>The W3C ids of <see cref="Activity.Current"/>, if it is one.</summary>
    internal static bool TryReadActivityContext(out ulong traceHi, out ulong traceLo, out ulong spanId)
    {
        Activity? activity = Activity.Current;
        if (activity is null || activity.IdFormat != ActivityIdFormat.W3C)
        {
            traceHi = traceLo = spanId = 0;
            return false;
        }
        Span<byte> bytes = stackalloc byte[16];
        activity.TraceId.CopyTo(bytes);
        traceHi = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        traceLo = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        activity.SpanId.CopyTo(bytes[..8]);
        spanId = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FireMark(ProbeName name, long value) => NativeShim.Mark(name.Id, name.Utf8, value);
}
