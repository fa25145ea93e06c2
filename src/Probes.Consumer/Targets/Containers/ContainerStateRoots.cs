namespace Probes.Consumer.Targets.Containers;

/// <summary>
/// Where the runtimes keep the state files <see cref="ContainerStateFiles"/> reads. The
/// defaults are each runtime's documented default; <see cref="Under"/> moves all of them below
/// one directory, for a host root mounted elsewhere (a DaemonSet with the node's / at /host)
/// or a recorded sample tree in tests.
/// </summary>
/// <param name="Docker">dockerd's data root (<c>--data-root</c>): <c>containers/ID/config.v2.json</c> below it.</param>
/// <param name="ContainerdTasks">
/// containerd's runtime v2 state directories: the shim bundle of a task is <c>NAMESPACE/ID/</c>
/// with the OCI spec as <c>config.json</c> (containerd core/runtime/v2/bundle.go, NewBundle).
/// The CRI plugin uses namespace <c>k8s.io</c>, docker <c>moby</c>; k3s keeps its own root.
/// </param>
/// <param name="ContainersStorage">
/// containers/storage run and graph roots shared by CRI-O and podman: CRI-O writes the spec to
/// <c>overlay-containers/ID/userdata/config.json</c> in both (cri-o server/container_create_linux.go,
/// SaveToFile into containerInfo.Dir and containerInfo.RunDir).
/// </param>
public sealed record ContainerStateRoots(string Docker, IReadOnlyList<string> ContainerdTasks, IReadOnlyList<string> ContainersStorage)
{
    public static ContainerStateRoots Default { get; } = new(
        "/var/lib/docker",
        ["/run/containerd/io.containerd.runtime.v2.task", "/run/k3s/containerd/io.containerd.runtime.v2.task"],
        ["/run/containers/storage", "/var/lib/containers/storage"]);

    /// <summary>The default locations, each below <paramref name="root"/>.</summary>
    public static ContainerStateRoots Under(string root) => new(
        Join(root, Default.Docker),
        [.. Default.ContainerdTasks.Select(path => Join(root, path))],
        [.. Default.ContainersStorage.Select(path => Join(root, path))]);

    private static string Join(string root, string absolute) => Path.Combine(root, absolute.TrimStart('/'));
}
