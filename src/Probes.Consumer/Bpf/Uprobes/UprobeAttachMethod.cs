namespace Probes.Consumer.Bpf.Uprobes;

/// <summary>How a program gets onto a uprobe, from the oldest kernels' way to the newest.</summary>
public enum UprobeAttachMethod
{
    /// <summary>
    /// A perf uprobe per site and PERF_EVENT_IOC_SET_BPF (Linux 4.17+). The attachment has no
    /// cookie, so each probe needs its own program. Closing each perf event waits for an RCU
    /// grace period under a kernel-wide mutex: tens of milliseconds a site, one after another.
    /// </summary>
    PerfIoctl,

    /// <summary>A perf uprobe per site with a BPF perf link carrying the site's cookie (Linux 5.15+); closes like <see cref="PerfIoctl"/>.</summary>
    PerfLink,

    /// <summary>
    /// One BPF_TRACE_UPROBE_MULTI link per file and program for all its sites, each with its
    /// semaphore offset and cookie (Linux 6.6+): one system call to attach, one grace period to
    /// detach. The program is in place before the kernel raises the first semaphore.
    /// </summary>
    UprobeMulti,
}

public static class UprobeAttachMethods
{
    /// <summary>
    /// Caps the method for troubleshooting and for measuring the older ways on a new kernel:
    /// <c>perf-ioctl</c>, <c>perf-link</c> or <c>uprobe-multi</c> (the default: the best the kernel has).
    /// </summary>
    public const string EnvironmentVariable = "PROBES_UPROBE_ATTACH";

    public static string Name(this UprobeAttachMethod method) => method switch
    {
        UprobeAttachMethod.PerfIoctl => "perf-ioctl",
        UprobeAttachMethod.PerfLink => "perf-link",
        _ => "uprobe-multi",
    };

    /// <summary>The cap named by <see cref="EnvironmentVariable"/>; unset or unknown values mean no cap.</summary>
    public static UprobeAttachMethod FromEnvironment() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) switch
        {
            "perf-ioctl" => UprobeAttachMethod.PerfIoctl,
            "perf-link" => UprobeAttachMethod.PerfLink,
            _ => UprobeAttachMethod.UprobeMulti,
        };
}
