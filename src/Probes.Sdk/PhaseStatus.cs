namespace Probes;

/// <summary>How a phase ended; the value travels as the <c>status</c> argument of <c>probes:phase_end</c>.</summary>
public enum PhaseStatus
{
    /// <summary>The phase ran to its end.</summary>
    Completed = 0,

    /// <summary>An exception left the phase.</summary>
    Faulted = 1,

    /// <summary>The phase was canceled (an <see cref="OperationCanceledException"/>).</summary>
    Canceled = 2,
}
