using System.Globalization;

namespace Probes.Consumer.Tests.Support;

/// <summary>
/// A podman container run from a root file system the test builds (no registry here): the
/// test fills a directory, which is tarred, imported as an image and run with runc and the
/// rlimits this host allows. Names are unique per instance so parallel or aborted runs do not
/// collide; the container and its image are removed on dispose.
/// </summary>
public sealed class RootfsContainer : IDisposable
{
    public static readonly TimeSpan CommandLimit = TimeSpan.FromMinutes(2);

    private readonly string _podman;
    private readonly string _image;

    /// <param name="podman">The podman executable.</param>
    /// <param name="namePrefix">Start of the container name, e.g. "probes-hoard".</param>
    /// <param name="fillRoot">Writes the container's files into the root directory it is given.</param>
    /// <param name="command">The program (absolute path in the container) and its arguments.</param>
    /// <param name="runOptions">Extra `podman run` options, e.g. --cap-add SYS_ADMIN.</param>
    public RootfsContainer(string podman, string namePrefix, Action<string> fillRoot, IReadOnlyList<string> command, IReadOnlyList<string>? runOptions = null)
    {
        _podman = podman;
        Name = $"{namePrefix}-{Guid.NewGuid():N}"[..28];
        _image = $"localhost/{Name}:1";

        string root = Path.Combine(TestPaths.ScratchDirectory, $"{Name}-rootfs");
        Directory.CreateDirectory(root);
        fillRoot(root);
        string tarball = Path.Combine(TestPaths.ScratchDirectory, $"{Name}.tar");
        ProcessRunner.Run(Requirements.Tool("tar"), ["-C", root, "-cf", tarball, "."], CommandLimit).EnsureSuccess("tar rootfs");
        Podman("import", tarball, _image);
        try
        {
            Podman(["--runtime", "runc", "run", "-d", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                .. runOptions ?? [], "--name", Name, _image, .. command]);
            Id = Podman("inspect", "-f", "{{.Id}}", Name).Trim();
            HostPid = int.Parse(Podman("inspect", "-f", "{{.State.Pid}}", Name).Trim(), CultureInfo.InvariantCulture);
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

    /// <summary>Puts the C program tests/Fixtures/<paramref name="source"/>, linked statically (a container from a bare rootfs has no libc), at <paramref name="output"/>.</summary>
    public static void CompileStatic(string source, string output)
    {
        string program = FixtureCompiler.Build(Path.GetFileNameWithoutExtension(source), "gcc", ["-static", "-O2", "-Wall", FixtureCompiler.Source(source)]);
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        File.Copy(program, output);
    }

    /// <summary>Copies <paramref name="file"/> to <paramref name="pathInContainer"/> under <paramref name="root"/>, creating directories.</summary>
    public static void Place(string root, string file, string pathInContainer)
    {
        string destination = Path.Combine(root, pathInContainer.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        File.Copy(file, destination);
    }

    /// <summary>Waits until the container's output contains <paramref name="text"/>, and returns that output.</summary>
    public string WaitForLog(string text)
    {
        string logs = "";
        Wait.Until(() => (logs = Podman("logs", Name)).Contains(text, StringComparison.Ordinal), CommandLimit, $"{Name} printed '{text}'");
        return logs;
    }

    public bool IsRunning() =>
        Podman("inspect", "-f", "{{.State.Running}} {{.State.Pid}}", Name).Trim() == $"true {HostPid.ToString(CultureInfo.InvariantCulture)}";

    public string Podman(params string[] args) =>
        ProcessRunner.Run(_podman, args, CommandLimit).EnsureSuccess($"podman {string.Join(' ', args)}").Stdout;

    public void Dispose()
    {
        ProcessRunner.Run(_podman, ["rm", "--force", "--ignore", "-t", "0", Name], CommandLimit);
        ProcessRunner.Run(_podman, ["rmi", "-f", _image], CommandLimit);
    }
}
