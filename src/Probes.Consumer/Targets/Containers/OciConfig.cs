using System.Text.Json;

namespace Probes.Consumer.Targets.Containers;

/// <summary>
/// Reads container metadata from the annotations of an OCI runtime spec (<c>config.json</c> in
/// a bundle), as the CRI runtimes write them. Keys, from each runtime's source:
/// <list type="bullet">
/// <item>containerd's CRI plugin (containerd internal/cri/annotations/annotations.go,
/// DefaultCRIAnnotations): <c>io.kubernetes.cri.container-type</c> (<c>sandbox</c> or
/// <c>container</c>), <c>io.kubernetes.cri.container-name</c>, <c>io.kubernetes.cri.image-name</c>,
/// <c>io.kubernetes.cri.sandbox-name</c> and <c>io.kubernetes.cri.sandbox-namespace</c> (the pod),
/// <c>io.kubernetes.cri.podsandbox.image-name</c> (the pause image, sandboxes only);</item>
/// <item>CRI-O (cri-o pkg/annotations/internal.go, server/container_create_linux.go):
/// <c>io.kubernetes.cri-o.ContainerType</c>, <c>io.kubernetes.cri-o.ImageName</c>,
/// <c>io.kubernetes.cri-o.Image</c> (as the pod spec asked), <c>io.kubernetes.cri-o.Metadata</c>
/// (JSON, <c>name</c> is the container's name in the pod), <c>io.kubernetes.cri-o.Labels</c>
/// (JSON: the kubelet's labels, see <see cref="KubernetesLabels"/>) and
/// <c>io.container.manager</c> (<c>cri-o</c>; podman writes <c>libpod</c> in the same
/// storage, and also some <c>io.kubernetes.cri-o.*</c> keys, so the manager decides first).</item>
/// </list>
/// Plain <c>io.kubernetes.pod.name</c>/<c>.namespace</c>/<c>io.kubernetes.container.name</c>
/// annotations are honoured as a fallback for any runtime.
/// </summary>
public static class OciConfig
{
    public const string FileName = "config.json";

    private const string CriContainerType = "io.kubernetes.cri.container-type";
    private const string CriContainerName = "io.kubernetes.cri.container-name";
    private const string CriImageName = "io.kubernetes.cri.image-name";
    private const string CriSandboxImageName = "io.kubernetes.cri.podsandbox.image-name";
    private const string CriSandboxName = "io.kubernetes.cri.sandbox-name";
    private const string CriSandboxNamespace = "io.kubernetes.cri.sandbox-namespace";

    private const string CrioContainerType = "io.kubernetes.cri-o.ContainerType";
    private const string CrioImageName = "io.kubernetes.cri-o.ImageName";
    private const string CrioImage = "io.kubernetes.cri-o.Image";
    private const string CrioMetadata = "io.kubernetes.cri-o.Metadata";
    private const string CrioLabels = "io.kubernetes.cri-o.Labels";
    private const string ContainerManager = "io.container.manager";

    private const string SandboxType = "sandbox";

    /// <summary>The annotations of a spec, or an empty map when it has none.</summary>
    public static IReadOnlyDictionary<string, string> Annotations(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return JsonText.StringMap(JsonText.Object(document.RootElement, "annotations"));
    }

    /// <summary>Metadata from a spec's annotations; <paramref name="runtime"/> is who wrote the file when the annotations do not say.</summary>
    public static ContainerMetadata Parse(string id, string json, ContainerRuntime runtime)
    {
        IReadOnlyDictionary<string, string> annotations = Annotations(json);
        string? get(string key) => annotations.TryGetValue(key, out string? value) && value.Length > 0 ? value : null;
        string? manager = get(ContainerManager);

        if (manager != "libpod" && get(CriContainerType) is { } criType)
        {
            string? pod = get(CriSandboxName);
            return new ContainerMetadata(id, ContainerRuntime.Containerd,
                get(CriContainerName) ?? (criType == SandboxType ? pod : null),
                get(CriImageName) ?? get(CriSandboxImageName),
                pod,
                get(CriSandboxNamespace));
        }
        if (manager == "cri-o" || (manager is null && get(CrioContainerType) is not null))
        {
            IReadOnlyDictionary<string, string> labels = EmbeddedMap(get(CrioLabels));
            string? label(string key) => labels.TryGetValue(key, out string? value) && value.Length > 0 ? value : get(key);
            string? pod = label(KubernetesLabels.PodName);
            return new ContainerMetadata(id, ContainerRuntime.CriO,
                label(KubernetesLabels.ContainerName) ?? EmbeddedMap(get(CrioMetadata)).GetValueOrDefault("name") ?? (get(CrioContainerType) == SandboxType ? pod : null),
                get(CrioImageName) ?? get(CrioImage),
                pod,
                label(KubernetesLabels.PodNamespace));
        }
        return new ContainerMetadata(id, manager == "libpod" ? ContainerRuntime.Podman : runtime,
            get(KubernetesLabels.ContainerName), null, get(KubernetesLabels.PodName), get(KubernetesLabels.PodNamespace));
    }

    /// <summary>A JSON object stored as a string inside an annotation (CRI-O's Labels, Metadata); empty when absent or malformed.</summary>
    private static IReadOnlyDictionary<string, string> EmbeddedMap(string? json)
    {
        if (json is null)
        {
            return new Dictionary<string, string>();
        }
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            return JsonText.StringMap(document.RootElement);
        }
        catch (JsonException)
        {
            return new Dictionary<string, string>(); // one odd annotation must not hide the rest
        }
    }
}
