namespace Probes;

/// <summary>
/// Read access to the phase current on this logical flow, e.g. to put its span id into a log
/// line. Inside a <c>[ProbePhase]</c> method it is that method's phase. Reading it touches an
/// AsyncLocal, so it is for diagnostics code, not for hot paths.
/// </summary>
public static class PhaseContext
{
    /// <summary>The span id of the current phase, or 0 when none is recording.</summary>
    public static ulong CurrentSpanId => SpanContext.Current?.SpanId ?? 0;
}
