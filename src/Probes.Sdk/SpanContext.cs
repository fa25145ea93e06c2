namespace Probes;

/// <summary>
/// The current phase of the logical flow. AsyncLocal carries it across awaits and thread hops;
/// it is written only by phases whose begin fired, i.e. only while a tracer is attached.
/// </summary>
internal static class SpanContext
{
    private static readonly AsyncLocal<ActiveSpan?> CurrentSpan = new();
    private static long s_lastSpanId;

    public static ActiveSpan? Current
    {
        get => CurrentSpan.Value;
        set => CurrentSpan.Value = value;
    }

    /// <summary>Process-unique, never 0 (0 means "no parent" in the ABI).</summary>
    public static ulong NextSpanId() => unchecked((ulong)Interlocked.Increment(ref s_lastSpanId));
}
