using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Targets.Files;

/// <summary>
/// A file to look for probes in. <see cref="Path"/> is how the user or the process names it
/// (what output shows); <see cref="HostPath"/> is that name seen from this process (through
/// <c>/proc/PID/root</c> for a process), shown in verbose output and JSON but never opened for a
/// process's file: a symlink or mount inside the container could send it to a host file.
/// <see cref="Pid"/> and <see cref="ContainerId"/> say where it was found.
/// </summary>
public sealed record TargetFile(string Path, string HostPath, int? Pid = null, string? ContainerId = null)
{
    /// <summary>Where the process maps it, when it was found in /proc/PID/maps: opened through that mapping and checked against it.</summary>
    public MappedRegion? Mapping { get; init; }

    /// <summary>The open, checked file once it has been read and is kept for attaching (see <see cref="TargetFileOpener"/>).</summary>
    public PinnedFile? Pinned { get; init; }

    /// <summary>
    /// Other containers whose own copy of this file (by path and overlay identity) is the same real
    /// file to the kernel, so the one uprobe on this file serves them too (see <see cref="BackingInode"/>).
    /// </summary>
    public IReadOnlySet<string> SharedWith { get; init; } = EmptySet;

    /// <summary>The path perf_event_open gets: the pinned descriptor's magic link, or (for a file never pinned, in tests) the host path.</summary>
    public string KernelPath => Pinned?.KernelPath ?? HostPath;

    private static readonly IReadOnlySet<string> EmptySet = new HashSet<string>();
}
