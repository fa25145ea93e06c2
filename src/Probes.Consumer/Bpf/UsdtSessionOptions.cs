using Probes.Consumer.Bpf.Btf;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Syscalls;
using Probes.Consumer.Bpf.Uprobes;

namespace Probes.Consumer.Bpf;

/// <summary>Tuning of a <see cref="UsdtSession"/>.</summary>
public sealed record UsdtSessionOptions
{
    /// <summary>Ring buffer size in bytes: a power of two, at least one page.</summary>
    public int RingBufferBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>
    /// Batch wake-ups (default): programs submit without waking the reader until a quarter of
    /// the ring is pending, and the reader polls every <see cref="PollIntervalMilliseconds"/>.
    /// False wakes the reader on every record.
    /// </summary>
    public bool BatchWakeups { get; init; } = true;

    /// <summary>Pending bytes that force a wake-up in batched mode; 0 means a quarter of the ring.</summary>
    public int WakeupThresholdBytes { get; init; }

    /// <summary>How often the reader looks at the ring without a wake-up (the worst-case latency in batched mode).</summary>
    public int PollIntervalMilliseconds { get; init; } = 20;

    /// <summary>Read namespace pids and inodes in the program (needs kernel BTF; silently off without it).</summary>
    public bool ReadNamespaces { get; init; } = true;

    /// <summary>
    /// How programs read namespace fields. BtfDirect is tried first and, if the verifier
    /// refuses it, the session falls back to ProbeRead for good (see <see cref="UsdtSession.NamespaceAccess"/>).
    /// </summary>
    public NamespaceAccess PreferredNamespaceAccess { get; init; } = NamespaceAccess.BtfDirect;

    /// <summary>
    /// The most capable way to attach uprobes the session may use; it uses the best this kernel
    /// has up to it (<see cref="UprobeFeatures"/>). Default: <see cref="UprobeAttachMethod.UprobeMulti"/>,
    /// or what <see cref="UprobeAttachMethods.EnvironmentVariable"/> names.
    /// </summary>
    public UprobeAttachMethod MaxAttachMethod { get; init; } = UprobeAttachMethods.FromEnvironment();

    /// <summary>
    /// Pair phase_begin and phase_end sites (<see cref="UsdtProgramSpec.Role"/>) in the kernel into
    /// histograms (<see cref="UsdtSession.PhaseMaps"/>) and send only the records that matter; null
    /// (the default) sends every hit as a record.
    /// </summary>
    public KernelPairingOptions? KernelPairing { get; init; }

    /// <summary>The syscall seam; tests pass a fake.</summary>
    public Kernel Kernel { get; init; } = Kernel.Default;

    internal RingWakeup Wakeup => BatchWakeups
        ? RingWakeup.WhenPending(WakeupThresholdBytes > 0 ? WakeupThresholdBytes : RingBufferBytes / 4)
        : RingWakeup.EveryRecord;
}
