using Probes.Consumer.Targets.Files;

namespace Probes.Consumer.Targets;

/// <summary>
/// How much a target may make the consumer read or hold open. A process decides how many
/// files it maps and how long their names are, so every loop over its mappings is bounded here;
/// each bound that is hit is reported as a warning naming the process, and the files within
/// the bound are still served.
/// </summary>
public static class TargetLimits
{
    /// <summary>
    /// Lines of one <c>/proc/PID/maps</c> read. A process has at most vm.max_map_count mappings,
    /// 65,530 by default (plus [vsyscall]); a host that raised that sysctl gets the first 65,536.
    /// </summary>
    public const int MaxMapsLines = 65_536;

    /// <summary>
    /// Bytes of one <c>/proc/PID/maps</c> read: 65,536 lines of 256 bytes. A real line is about
    /// 75 bytes plus its path; a process mapping files under 4 KiB paths would otherwise make us
    /// read some 270 MB.
    /// </summary>
    public const long MaxMapsBytes = 16L << 20;

    /// <summary>
    /// Distinct files examined per process, and per container over all its processes: each is
    /// opened and its ELF headers read. Large .NET and JVM processes map a few hundred files.
    /// </summary>
    public const int MaxFilesPerTarget = 1_024;

    /// <summary>
    /// Files with probes held open between listing and attaching (<see cref="PinnedFile"/>). Each
    /// is a descriptor; the soft RLIMIT_NOFILE is often 1024, and every attached site needs a
    /// perf event descriptor too.
    /// </summary>
    public const int MaxPinnedFiles = 256;
}
