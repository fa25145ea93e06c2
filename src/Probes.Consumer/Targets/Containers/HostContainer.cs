namespace Probes.Consumer.Targets.Containers;

/// <summary>
/// A container running on this host as <c>probes containers</c> shows it: its metadata, its
/// host pids, the init process (the one whose parent is outside the container), the inode
/// numbers of its pid and mount namespaces (what tells containers apart in events on every
/// host, see ENVIRONMENT.md), and the path of a <c>libprobes.so</c> one of its processes maps.
/// </summary>
public sealed record HostContainer(
    ContainerMetadata Metadata,
    IReadOnlyList<int> Pids,
    int InitPid,
    ulong? PidNamespace,
    ulong? MountNamespace,
    string? ProbesLibrary)
{
    public bool LoadsProbes => ProbesLibrary is not null;
}
