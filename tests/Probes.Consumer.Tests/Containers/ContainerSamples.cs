using Probes.Consumer.Targets.Containers;

namespace Probes.Consumer.Tests.Containers;

/// <summary>
/// The recorded runtime state files under <c>Samples/</c>, laid out as on a host (each runtime's
/// default location below the sample root), and the container ids they belong to.
/// </summary>
internal static class ContainerSamples
{
    public const string Docker = "3f1c2a9e8b7d6c5f4e3d2c1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7";
    public const string DockerKubernetes = "9a8b7c6d5e4f30211f2e3d4c5b6a79880f1e2d3c4b5a69788796a5b4c3d2e1f0";
    public const string Containerd = "4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d";
    public const string ContainerdSandbox = "0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e";
    public const string CriO = "7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d";
    public const string Podman = "5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c";

    /// <summary>Read from the source tree, so a sample edit needs no rebuild and no project change.</summary>
    public static string Root => Path.Combine(RepoPaths.Root, "tests", "Probes.Consumer.Tests", "Containers", "Samples");

    public static ContainerStateRoots Roots => ContainerStateRoots.Under(Root);
}
