namespace Probes;

/// <summary>
/// A phase in progress, returned by <see cref="Probe.Phase(string)"/>. Disposing it fires
/// <c>probes:phase_end</c> with <see cref="PhaseStatus.Completed"/>, unless
/// <see cref="End(PhaseStatus)"/> ended it first. When no tracer was attached at the begin it
/// is empty and both are no-ops, so the end of a phase fires exactly when its begin fired.
/// </summary>
public readonly struct PhaseScope : IDisposable, IEquatable<PhaseScope>
{
    private readonly ActiveSpan? _span;

    internal PhaseScope(ActiveSpan span) => _span = span;

    internal ActiveSpan? Span => _span;

    /// <summary>True when the begin probe fired for this phase.</summary>
    public bool IsRecording => _span is not null;

    /// <summary>The span id sent with the probes, 0 when not recording.</summary>
    public ulong SpanId => _span?.SpanId ?? 0;

    /// <summary>
    /// Ends the phase now with <paramref name="status"/>; a later <see cref="Dispose"/> does
    /// nothing. Use it in a catch block to report <see cref="PhaseStatus.Faulted"/> or
    /// <see cref="PhaseStatus.Canceled"/>.
    /// </summary>
    public void End(PhaseStatus status)
    {
        if (_span is not null)
        {
            Probe.EndSpan(_span, status);
        }
    }

    /// <summary>Ends the phase as completed if it was not ended already.</summary>
    public void Dispose()
    {
        if (_span is not null)
        {
            Probe.EndSpan(_span, PhaseStatus.Completed);
        }
    }

    /// <inheritdoc />
    public bool Equals(PhaseScope other) => ReferenceEquals(_span, other._span);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PhaseScope other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _span?.GetHashCode() ?? 0;

    /// <summary>Compares two scopes by the phase they stand for.</summary>
    public static bool operator ==(PhaseScope left, PhaseScope right) => left.Equals(right);

    /// <summary>Compares two scopes by the phase they stand for.</summary>
    public static bool operator !=(PhaseScope left, PhaseScope right) => !left.Equals(right);
}
