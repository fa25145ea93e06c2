namespace Probes.Consumer.Targets.Containers;

/// <summary>
/// The labels the kubelet puts on every container it asks a CRI runtime to create
/// (kubernetes pkg/kubelet/types/labels.go; kuberuntime newContainerLabels). They reach the
/// runtime's state as docker labels and, with CRI-O, inside the <c>io.kubernetes.cri-o.Labels</c>
/// annotation.
/// </summary>
public static class KubernetesLabels
{
    public const string PodName = "io.kubernetes.pod.name";
    public const string PodNamespace = "io.kubernetes.pod.namespace";
    public const string ContainerName = "io.kubernetes.container.name";
}
