namespace Probes.Consumer.Tests.Support;

/// <summary>
/// A podman container running one statically linked fixture, built from a root file system
/// tarball (no registry here) and removed with its image on dispose. Names are unique per
/// instance so parallel or aborted runs do not collide.
/// </summary>
public sealed class PodmanContainer : IDisposable
{
    private static readonly TimeSpan CommandLimit = TimeSpan.FromMinutes(2);
    private readonly string _podman;
    private readonly string _image;

    public PodmanContainer(string podman, string staticExecutable, string pathInContainer)
    {
        _podman = podman;
        Name = $"probes-test-{Guid.NewGuid():N}"[..28];
        _image = $"localhost/{Name}:1";
        PathInContainer = pathInContainer;

        string root = Path.Combine(TestPaths.ScratchDirectory, $"{Name}-rootfs");
        Directory.CreateDirectory(root);
        File.Copy(staticExecutable, Path.Combine(root, pathInContainer.TrimStart('/')));
        string tarball = Path.Combine(TestPaths.ScratchDirectory, $"{Name}.tar");
        ProcessRunner.Run(Requirements.Tool("tar"), ["-C", root, "-cf", tarball, "."], CommandLimit).EnsureSuccess("tar rootfs");
        Podman("import", tarball, _image);
        try
        {
            Podman("--runtime", "runc", "run", "-d", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                "--name", Name, _image, pathInContainer, "wait");
            Id = Podman("inspect", "-f", "{{.Id}}", Name).Trim();
            HostPid = int.Parse(Podman("inspect", "-f", "{{.State.Pid}}", Name).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Name { get; }

    public string Id { get; } = "";

    public int HostPid { get; }

    public string PathInContainer { get; }

    public void Dispose()
    {
        ProcessRunner.Run(_podman, ["rm", "-f", "-t", "0", Name], CommandLimit);
        ProcessRunner.Run(_podman, ["rmi", "-f", _image], CommandLimit);
    }

    private string Podman(params string[] args) =>
        ProcessRunner.Run(_podman, args, CommandLimit).EnsureSuccess($"podman {string.Join(' ', args)}").Stdout;
}
