using System.Globalization;

namespace Probes.Consumer.Targets.Processes;

/// <summary>The Linux capabilities <c>probes</c> cares about, numbered as in linux/capability.h.</summary>
public enum Capability
{
    /// <summary>Read files and search directories whatever their permissions (runtime state files of other users).</summary>
    DacReadSearch = 2,

    /// <summary>Read another user's /proc/PID/maps, /proc/PID/root and /proc/PID/ns, and attach to its process.</summary>
    SysPtrace = 19,

    /// <summary>The old catch-all: still grants what CAP_BPF and CAP_PERFMON grant (kernels from 5.8 keep it for compatibility).</summary>
    SysAdmin = 21,

    /// <summary>perf_event_open for the uprobe PMU and loading tracing programs (Linux 5.8+).</summary>
    Perfmon = 38,

    /// <summary>bpf(): maps and programs (Linux 5.8+).</summary>
    Bpf = 39,
}

/// <summary>
/// A capability mask as <c>/proc/PID/status</c> shows it (<c>CapEff:</c>, <c>CapPrm:</c>: 64-bit hex),
/// with the kernel's own substitution rule: CAP_SYS_ADMIN stands in for CAP_BPF and CAP_PERFMON
/// (<c>bpf_capable()</c>, <c>perfmon_capable()</c>).
/// </summary>
public readonly record struct CapabilitySet(ulong Mask)
{
    public static CapabilitySet None => new(0);

    public static CapabilitySet Of(params Capability[] capabilities) =>
        new(capabilities.Aggregate(0UL, (mask, capability) => mask | (1UL << (int)capability)));

    /// <summary>The bit itself is set.</summary>
    public bool Has(Capability capability) => (Mask & (1UL << (int)capability)) != 0;

    /// <summary>The kernel would allow what <paramref name="capability"/> allows: the bit, or CAP_SYS_ADMIN for BPF and perf.</summary>
    public bool Grants(Capability capability) =>
        Has(capability) || (capability is Capability.Bpf or Capability.Perfmon && Has(Capability.SysAdmin));

    /// <summary>Every capability of <paramref name="other"/> is in this set (the kernel's ptrace rule compares the bits as they are).</summary>
    public bool Covers(CapabilitySet other) => (other.Mask & ~Mask) == 0;

    /// <summary>Parses the hex digits after <c>CapEff:</c>; null when the text is not a 64-bit hex mask.</summary>
    public static CapabilitySet? Parse(string hex) =>
        ulong.TryParse(hex.Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong mask) ? new CapabilitySet(mask) : null;

    /// <summary>"CAP_SYS_PTRACE", as capabilities(7) and setcap spell it.</summary>
    public static string Name(Capability capability) => capability switch
    {
        Capability.DacReadSearch => "CAP_DAC_READ_SEARCH",
        Capability.SysPtrace => "CAP_SYS_PTRACE",
        Capability.SysAdmin => "CAP_SYS_ADMIN",
        Capability.Perfmon => "CAP_PERFMON",
        Capability.Bpf => "CAP_BPF",
        _ => $"capability {(int)capability}",
    };

    public override string ToString() => $"0x{Mask:x16}";
}
