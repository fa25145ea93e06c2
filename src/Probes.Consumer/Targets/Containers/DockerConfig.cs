using System.Text.Json;

namespace Probes.Consumer.Targets.Containers;

/// <summary>
/// Reads dockerd's per-container state file <c>DATA_ROOT/containers/ID/config.v2.json</c>
/// (moby container/container.go: <c>configFileName = "config.v2.json"</c>, the serialized
/// Container struct). Used fields: <c>Name</c> (with docker's leading '/'), <c>Config.Image</c>
/// (the image as the user named it; the top-level <c>Image</c> is only its digest) and
/// <c>Config.Labels</c>, where the kubelet's dockershim and cri-dockerd put
/// <c>io.kubernetes.pod.name</c>, <c>io.kubernetes.pod.namespace</c> and
/// <c>io.kubernetes.container.name</c>.
/// </summary>
public static class DockerConfig
{
    public const string FileName = "config.v2.json";

    public static ContainerMetadata Parse(string id, string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement root = document.RootElement;
        string? name = JsonText.String(root, "Name")?.TrimStart('/');
        JsonElement? config = JsonText.Object(root, "Config");
        string? image = config is { } c ? JsonText.String(c, "Image") : null;
        JsonElement? labels = config is { } l ? JsonText.Object(l, "Labels") : null;
        string? label(string key) => labels is { } map ? JsonText.String(map, key) : null;

        // Under Kubernetes the docker name is the generated k8s_CONTAINER_POD_NS_UID_N; the
        // container's own name is what the operator knows it by.
        return new ContainerMetadata(id, ContainerRuntime.Docker,
            label(KubernetesLabels.ContainerName) ?? name,
            image,
            label(KubernetesLabels.PodName),
            label(KubernetesLabels.PodNamespace));
    }
}
