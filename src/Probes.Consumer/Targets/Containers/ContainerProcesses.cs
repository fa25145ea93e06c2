namespace Probes.Consumer.Targets.Containers;

/// <summary>The host processes of one container as found in /proc, before any runtime is asked about it.</summary>
public sealed record ContainerProcesses(string Id, ContainerRuntime Runtime, IReadOnlyList<int> Pids)
{
    /// <summary>
    /// The container's init process: the one whose parent is outside the container (its parent
    /// is the runtime's shim or conmon). Processes started with <c>exec</c> also have an outside
    /// parent, so among several the lowest pid wins (it started first unless pids wrapped); when
    /// no parent could be read, the lowest pid.
    /// </summary>
    public int InitPid(Func<int, int?> parentOf)
    {
        var members = new HashSet<int>(Pids);
        int? best = null;
        foreach (int pid in Pids)
        {
            if (parentOf(pid) is { } parent && !members.Contains(parent) && (best is null || pid < best))
            {
                best = pid;
            }
        }
        return best ?? Pids.Min();
    }
}
