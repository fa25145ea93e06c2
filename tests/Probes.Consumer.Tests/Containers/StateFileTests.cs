
using Probes.Consumer.Targets.Containers;

namespace Probes.Consumer.Tests.Containers;

/// <summary>Container metadata from recorded docker, containerd and CRI-O state files (no daemon, no root).</summary>
[TestClass]
public sealed class StateFileTests
{
    private static readonly ContainerStateFiles Files = new(ContainerSamples.Roots);

    [TestMethod]
    public void Docker_config_v2_gives_the_name_without_its_slash_and_the_image_as_asked()
    {
        Assert.AreEqual(
            new ContainerMetadata(ContainerSamples.Docker, ContainerRuntime.Docker, "web-1", "registry.example.com/shop/web:1.4.2"),
            Files.Read(ContainerSamples.Docker, ContainerRuntime.Docker));
    }

    [TestMethod]
    public void Docker_under_kubernetes_takes_the_container_pod_and_namespace_from_the_kubelet_labels()
    {
        Assert.AreEqual(
            new ContainerMetadata(ContainerSamples.DockerKubernetes, ContainerRuntime.Docker, "checkout",
                "registry.example.com/shop/checkout@sha256:2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0a1b2", "checkout-7d9f8b6c5-x2x4q", "shop"),
            Files.Read(ContainerSamples.DockerKubernetes, ContainerRuntime.Docker));
    }

    [TestMethod]
    public void Containerd_cri_annotations_give_container_image_pod_and_namespace()
    {
        Assert.AreEqual(
            new ContainerMetadata(ContainerSamples.Containerd, ContainerRuntime.Containerd, "orders", "registry.example.com/shop/orders:2.0.1", "orders-5b8c9d7f6-k7m2p", "shop"),
            Files.Read(ContainerSamples.Containerd, ContainerRuntime.Containerd));
    }

    [TestMethod]
    public void Containerd_sandbox_is_named_after_its_pod_with_the_pause_image()
    {
        Assert.AreEqual(
            new ContainerMetadata(ContainerSamples.ContainerdSandbox, ContainerRuntime.Containerd, "orders-5b8c9d7f6-k7m2p", "registry.k8s.io/pause:3.10", "orders-5b8c9d7f6-k7m2p", "shop"),
            Files.Read(ContainerSamples.ContainerdSandbox, ContainerRuntime.Containerd));
    }

    [TestMethod]
    public void CriO_labels_annotation_gives_container_pod_and_namespace()
    {
        Assert.AreEqual(
            new ContainerMetadata(ContainerSamples.CriO, ContainerRuntime.CriO, "payments", "registry.example.com/billing/payments:3.2", "payments-6c7d8e9f0-q4w5e", "billing"),
            Files.Read(ContainerSamples.CriO, ContainerRuntime.CriO));
    }

    [TestMethod]
    [DataRow(ContainerSamples.Docker, ContainerRuntime.Docker, "web-1")]
    [DataRow(ContainerSamples.Containerd, ContainerRuntime.Containerd, "orders")]
    [DataRow(ContainerSamples.CriO, ContainerRuntime.CriO, "payments")]
    public void A_bare_kubepods_id_finds_its_runtime_by_its_state_file(string id, ContainerRuntime runtime, string name)
    {
        ContainerMetadata? found = Files.Read(id, ContainerRuntime.Unknown);
        Assert.IsNotNull(found);
        Assert.AreEqual(runtime, found.Runtime);
        Assert.AreEqual(name, found.Name);
    }

    [TestMethod]
    public void Podman_spec_in_the_same_storage_is_not_taken_for_CriO_despite_its_cri_o_keys()
    {
        Assert.AreEqual(ContainerMetadata.Unnamed(ContainerSamples.Podman, ContainerRuntime.Podman), Files.Read(ContainerSamples.Podman, ContainerRuntime.Unknown));
    }

    [TestMethod]
    public void Unknown_id_and_missing_roots_give_nothing()
    {
        Assert.IsNull(Files.Read(new string('e', 64), ContainerRuntime.Unknown));
        Assert.IsNull(new ContainerStateFiles(ContainerStateRoots.Under("/nonexistent")).Read(ContainerSamples.Docker, ContainerRuntime.Unknown));
    }

    [TestMethod]
    public void Half_written_state_file_is_unknown_rather_than_an_error()
    {
        string root = Path.Combine(Path.GetTempPath(), $"probes-state-{Guid.NewGuid():N}");
        string id = new('a', 64);
        try
        {
            string directory = Path.Combine(root, "var/lib/docker/containers", id);
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "config.v2.json"), "{\"Name\":\"/web");
            Assert.IsNull(new ContainerStateFiles(ContainerStateRoots.Under(root)).Read(id, ContainerRuntime.Docker));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void CriO_without_a_labels_annotation_falls_back_to_plain_kubernetes_annotations_and_metadata()
    {
        const string spec = """
            {"annotations": {
              "io.kubernetes.cri-o.ContainerType": "container",
              "io.kubernetes.cri-o.Image": "quay.io/example/api:7",
              "io.kubernetes.cri-o.Metadata": "{\"name\":\"api\",\"attempt\":2}",
              "io.kubernetes.cri-o.Labels": "not json",
              "io.kubernetes.pod.name": "api-0",
              "io.kubernetes.pod.namespace": "prod"
            }}
            """;
        Assert.AreEqual(new ContainerMetadata("x", ContainerRuntime.CriO, "api", "quay.io/example/api:7", "api-0", "prod"), OciConfig.Parse("x", spec, ContainerRuntime.Unknown));
    }
}
