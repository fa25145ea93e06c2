using System.Runtime.InteropServices;

namespace Probes.Consumer.Bpf.Syscalls;

/// <summary>
/// struct perf_event_attr (include/uapi/linux/perf_event.h) up to PERF_ATTR_SIZE_VER7 (128
/// bytes). Only the fields a uprobe needs are named; the rest stay zero.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = SizeVer7)]
public struct PerfEventAttr
{
    public const int SizeVer7 = 128;

    /// <summary>The PMU type; for uprobes the number in /sys/bus/event_source/devices/uprobe/type.</summary>
    [FieldOffset(0)] public uint Type;
    [FieldOffset(4)] public uint Size;
    /// <summary>For the uprobe PMU: bit 0 = retprobe, bits 32-63 = ref_ctr_offset (the semaphore's file offset).</summary>
    [FieldOffset(8)] public ulong Config;
    [FieldOffset(16)] public ulong SamplePeriod;
    [FieldOffset(24)] public ulong SampleType;
    [FieldOffset(32)] public ulong ReadFormat;
    /// <summary>The bit field (disabled, inherit, ...).</summary>
    [FieldOffset(40)] public ulong Flags;
    [FieldOffset(48)] public uint WakeupEvents;
    /// <summary>For the uprobe PMU: a pointer to the NUL-terminated path of the probed file.</summary>
    [FieldOffset(56)] public ulong Config1;
    /// <summary>For the uprobe PMU: the probe's file offset.</summary>
    [FieldOffset(64)] public ulong Config2;
}

/// <summary>perf ioctl requests and open flags.</summary>
public static class PerfIoctl
{
    /// <summary>_IO('$', 0).</summary>
    public const ulong Enable = 0x2400;

    /// <summary>_IO('$', 1).</summary>
    public const ulong Disable = 0x2401;

    /// <summary>_IOW('$', 8, __u32): attach a BPF program fd to a tracing perf event.</summary>
    public const ulong SetBpf = 0x40042408;

    /// <summary>PERF_FLAG_FD_CLOEXEC.</summary>
    public const ulong FlagFdCloexec = 1UL << 3;
}
