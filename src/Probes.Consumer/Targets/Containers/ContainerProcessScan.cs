using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Targets.Containers;

/// <summary>
/// Every container with running processes on this host, found by reading each
/// <c>/proc/PID/cgroup</c>: the one view that works for every runtime (podman, docker,
/// containerd, CRI-O) without talking to any daemon. Processes without a container id in their
/// cgroup (the host, conmon, shims) are left out.
/// </summary>
public static class ContainerProcessScan
{
    /// <summary>The containers, each with its runtime and its processes in pid order.</summary>
    public static IReadOnlyList<ContainerProcesses> Scan(string procRoot = ProcessTarget.DefaultProcRoot)
    {
        var pidsById = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var runtimeById = new Dictionary<string, ContainerRuntime>(StringComparer.Ordinal);
        foreach ((int pid, string id, string[] lines) in Members(procRoot))
        {
            if (!pidsById.TryGetValue(id, out List<int>? pids))
            {
                pidsById[id] = pids = [];
                runtimeById[id] = CgroupRuntime.Of(lines, id);
            }
            pids.Add(pid);
        }
        return pidsById
            .Select(pair => new ContainerProcesses(pair.Key, runtimeById[pair.Key], [.. pair.Value.Order()]))
            .OrderBy(container => container.Id, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Every process whose cgroup names a container, with that container's id.</summary>
    public static IEnumerable<(int Pid, string ContainerId)> Processes(string procRoot = ProcessTarget.DefaultProcRoot) =>
        Members(procRoot).Select(member => (member.Pid, member.ContainerId));

    private static IEnumerable<(int Pid, string ContainerId, string[] CgroupLines)> Members(string procRoot)
    {
        foreach (int pid in HostProcesses.Pids(procRoot))
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(Path.Combine(procRoot, pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "cgroup"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // exited meanwhile, or hidden from us: not a process we can inspect anyway
            }
            if (CgroupContainerId.FromFile(lines) is { } id)
            {
                yield return (pid, id, lines);
            }
        }
    }
}
