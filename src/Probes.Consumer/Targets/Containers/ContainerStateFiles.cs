using System.Text.Json;

namespace Probes.Consumer.Targets.Containers;

/// <summary>
/// Container metadata from the runtimes' own state files, without talking to any daemon (the
/// docker or containerd socket may be absent, or not ours to use): docker's
/// <c>config.v2.json</c>, containerd's task bundle <c>config.json</c>, CRI-O's
/// <c>userdata/config.json</c>. Locations are in <see cref="ContainerStateRoots"/>.
/// </summary>
public sealed class ContainerStateFiles(ContainerStateRoots roots)
{
    /// <summary>
    /// What the state files say about <paramref name="id"/>: the runtime's own file first, then,
    /// when the cgroup did not name the runtime, each runtime's file in turn. Null when none exists.
    /// </summary>
    public ContainerMetadata? Read(string id, ContainerRuntime runtime) => runtime switch
    {
        ContainerRuntime.Docker => Docker(id),
        ContainerRuntime.Containerd => Containerd(id),
        ContainerRuntime.CriO => CriO(id),
        ContainerRuntime.Podman => null, // podman's names live in its database: PodmanState asks podman
        _ => Docker(id) ?? Containerd(id) ?? CriO(id),
    };

    private ContainerMetadata? Docker(string id) =>
        ReadJson(Path.Combine(roots.Docker, "containers", id, DockerConfig.FileName), json => DockerConfig.Parse(id, json));

    private ContainerMetadata? Containerd(string id)
    {
        foreach (string tasks in roots.ContainerdTasks)
        {
            // The namespace (k8s.io, moby, default, ...) is not in the cgroup path: look in each.
            foreach (string namespaceDirectory in SafeDirectories(tasks))
            {
                if (ReadJson(Path.Combine(namespaceDirectory, id, OciConfig.FileName), json => OciConfig.Parse(id, json, ContainerRuntime.Containerd)) is { } found)
                {
                    return found;
                }
            }
        }
        return null;
    }

    private ContainerMetadata? CriO(string id)
    {
        foreach (string storage in roots.ContainersStorage)
        {
            string path = Path.Combine(storage, "overlay-containers", id, "userdata", OciConfig.FileName);
            if (ReadJson(path, json => OciConfig.Parse(id, json, ContainerRuntime.CriO)) is { } found)
            {
                return found;
            }
        }
        return null;
    }

    private static IEnumerable<string> SafeDirectories(string path)
    {
        try
        {
            return Directory.GetDirectories(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return []; // that runtime is not installed here
        }
    }

    private static ContainerMetadata? ReadJson(string path, Func<string, ContainerMetadata> parse)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // not this runtime's container, or gone since the scan
        }
        try
        {
            return parse(json);
        }
        catch (JsonException)
        {
            return null; // half-written by the runtime right now: treat as unknown rather than fail the listing
        }
    }
}
