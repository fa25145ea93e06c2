namespace Probes.Consumer.Phases;

/// <summary>Whether an event opens or closes a phase.</summary>
public enum PhaseEventKind
{
    Begin,
    End,
}

/// <summary>
/// One <c>probes:phase_begin</c> or <c>probes:phase_end</c> hit as the consumer received it.
/// <paramref name="TimestampNs"/> is the kernel's monotonic clock at the probe (bpf_ktime_get_ns).
/// <paramref name="ParentOrStatus"/> is the parent span id of a begin, or the status of an end.
/// </summary>
public readonly record struct PhaseEvent(
    PhaseEventKind Kind,
    ulong TimestampNs,
    int Pid,
    int Tid,
    string Container,
    uint PhaseId,
    string Name,
    ulong SpanId,
    ulong ParentOrStatus)
{
    public PhaseStatus Status => (PhaseStatus)(int)ParentOrStatus;
}

/// <summary>Mirror of the SDK's status values (ABI v1); the consumer does not reference the SDK.</summary>
public enum PhaseStatus
{
    Completed = 0,
    Faulted = 1,
    Canceled = 2,
}
