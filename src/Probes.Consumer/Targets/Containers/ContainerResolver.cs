using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Targets.Containers;

/// <summary>
/// Resolves what the user typed after <c>--container</c> (a podman name, a full id or an id
/// prefix) to a running container and its host processes. The name is asked of podman when
/// podman is installed; the processes are found by scanning <c>/proc/*/cgroup</c>, which works
/// for every runtime (docker, containerd, CRI-O too) without talking to its daemon.
/// </summary>
public sealed class ContainerResolver(string procRoot = ProcessTarget.DefaultProcRoot, string? podmanPath = null)
{
    private static readonly TimeSpan PodmanTimeout = TimeSpan.FromSeconds(20);

    public ContainerInfo Resolve(string nameOrId, Action<string> note)
    {
        (string? fullId, string? name) = AskPodman(nameOrId, note);
        string prefix = fullId ?? nameOrId.ToLowerInvariant();
        if (prefix.Length == 0 || prefix.AsSpan().ContainsAnyExcept("0123456789abcdef"))
        {
            throw new TargetNotFoundException($"no running container named '{nameOrId}'");
        }

        var byId = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        foreach ((int pid, string id) in ContainerProcessScan.Processes(procRoot))
        {
            if (id.StartsWith(prefix, StringComparison.Ordinal))
            {
                if (!byId.TryGetValue(id, out List<int>? pids))
                {
                    byId[id] = pids = [];
                }
                pids.Add(pid);
            }
        }

        return byId.Count switch
        {
            0 => throw new TargetNotFoundException(fullId is null
                ? $"no running container named or with an id starting with '{nameOrId}'"
                : $"container '{nameOrId}' ({fullId[..12]}) has no running processes"),
            1 => Found(byId.Single(), name),
            _ => throw new TargetAmbiguousException($"container id prefix '{nameOrId}' matches {byId.Count} containers: {string.Join(", ", byId.Keys.Select(id => id[..12]))}"),
        };

        static ContainerInfo Found(KeyValuePair<string, List<int>> match, string? name)
        {
            match.Value.Sort();
            return new ContainerInfo(match.Key, name, match.Value);
        }
    }

    private (string? Id, string? Name) AskPodman(string nameOrId, Action<string> note)
    {
        string? podman = podmanPath ?? Executables.Find("podman");
        if (podman is null)
        {
            note("podman is not installed; treating the container argument as an id prefix");
            return (null, null);
        }
        var result = ExternalCommand.Run(podman, ["container", "inspect", "--format", "{{.Id}} {{.Name}}", nameOrId], PodmanTimeout);
        if (result is not { ExitCode: 0 } ok)
        {
            note($"podman does not know a container '{nameOrId}'; treating it as an id prefix");
            return (null, null);
        }
        string[] words = ok.Stdout.Trim().Split(' ', 2);
        return words[0].Length == CgroupContainerId.IdLength ? (words[0], words.Length > 1 ? words[1] : null) : (null, null);
    }
}
