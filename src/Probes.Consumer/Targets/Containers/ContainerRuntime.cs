namespace Probes.Consumer.Targets.Containers;

/// <summary>The container runtime that created a container, as told by its cgroup name or its state files.</summary>
public enum ContainerRuntime
{
    /// <summary>A bare id under a Kubernetes pod cgroup (cgroupfs driver): any CRI runtime; its state files decide.</summary>
    Unknown,
    Podman,
    Docker,
    Containerd,
    CriO,
}

/// <summary>The runtime names as the CLI prints them (text and JSON alike).</summary>
public static class ContainerRuntimeNames
{
    public static string? Name(ContainerRuntime runtime) => runtime switch
    {
        ContainerRuntime.Podman => "podman",
        ContainerRuntime.Docker => "docker",
        ContainerRuntime.Containerd => "containerd",
        ContainerRuntime.CriO => "cri-o",
        _ => null,
    };
}
