namespace Probes.Consumer.Bpf.Programs;

/// <summary>
/// How the generated program asks the kernel to wake the reader after a submit. Waking per
/// record costs the traced thread an irq_work and an IPI (several µs, see ENVIRONMENT.md), so
/// the batched mode submits with BPF_RB_NO_WAKEUP and forces a wake-up only once
/// <see cref="ThresholdBytes"/> are waiting; the reader polls on a timer for the rest.
/// </summary>
public readonly record struct RingWakeup(bool Batched, int ThresholdBytes)
{
    public const long NoWakeupFlag = 1;     // BPF_RB_NO_WAKEUP
    public const long ForceWakeupFlag = 2;  // BPF_RB_FORCE_WAKEUP
    public const int AvailableData = 0;     // BPF_RB_AVAIL_DATA

    /// <summary>Wake the reader on every record (lowest latency, highest cost to the traced application).</summary>
    public static RingWakeup EveryRecord => new(false, 0);

    public static RingWakeup WhenPending(int thresholdBytes) => new(true, thresholdBytes);
}
