using System.Globalization;
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
    public static IReadOnlyList<ContainerProcesses> Scan(string procRoot = ProcessTarget.DefaultProcRoot)
    {
        var pidsById = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var runtimeById = new Dictionary<string, ContainerRuntime>(StringComparer.Ordinal);
        IEnumerable<string> directories;
        try
        {
            directories = Directory.EnumerateDirectories(procRoot).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TargetAccessException($"cannot list {procRoot}: {e.Message}", e);
        }
        foreach (string directory in directories)
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }
            string[] lines;
            try
            {
                lines = File.ReadAllLines(Path.Combine(directory, "cgroup"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // exited meanwhile, or hidden from us
            }
            if (CgroupContainerId.FromFile(lines) is not { } id)
            {
                continue;
            }
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
}
