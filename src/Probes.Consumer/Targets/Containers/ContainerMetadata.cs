namespace Probes.Consumer.Targets.Containers;

/// <summary>
/// What the runtime knows about a container, beyond its processes: the name an operator uses
/// (the podman or docker name, or the Kubernetes container name under a CRI runtime), the image
/// as it was asked for, and for Kubernetes the pod and its namespace. Any of them may be
/// unknown (null) when the runtime's state could not be read.
/// </summary>
public sealed record ContainerMetadata(string Id, ContainerRuntime Runtime, string? Name, string? Image, string? Pod = null, string? PodNamespace = null)
{
    public string ShortId => Id.Length > 12 ? Id[..12] : Id;

    /// <summary>Only the id and the runtime: nothing else could be learned.</summary>
    public static ContainerMetadata Unnamed(string id, ContainerRuntime runtime) => new(id, runtime, null, null);
}
