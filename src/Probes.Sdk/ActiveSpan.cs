namespace Probes;

/// <summary>
/// A phase whose begin probe fired. Exists only while a tracer is attached, so the disabled
/// path allocates nothing; being a class lets every copy of a <see cref="PhaseScope"/> agree
/// on whether the end already fired.
/// </summary>
internal sealed class ActiveSpan(ProbeName name, ulong spanId, ActiveSpan? parent)
{
    private int _ended;

    public ProbeName Name { get; } = name;

    public ulong SpanId { get; } = spanId;

    public ActiveSpan? Parent { get; } = parent;

    /// <summary>True exactly once: for the first caller that ends the span.</summary>
    public bool TryMarkEnded() => Interlocked.Exchange(ref _ended, 1) == 0;
}
