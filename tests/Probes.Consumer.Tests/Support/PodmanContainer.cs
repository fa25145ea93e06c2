namespace Probes.Consumer.Tests.Support;

/// <summary>A podman container running one statically linked fixture (<c>FIXTURE wait</c>), removed with its image on dispose.</summary>
public sealed class PodmanContainer : IDisposable
{
    private readonly RootfsContainer _container;

    public PodmanContainer(string podman, string staticExecutable, string pathInContainer)
    {
        PathInContainer = pathInContainer;
        _container = new RootfsContainer(podman, "probes-test", root => RootfsContainer.Place(root, staticExecutable, pathInContainer), [pathInContainer, "wait"]);
    }

    public string Name => _container.Name;

    public string Id => _container.Id;

    public int HostPid => _container.HostPid;

    public string PathInContainer { get; }

    public void Dispose() => _container.Dispose();
}
