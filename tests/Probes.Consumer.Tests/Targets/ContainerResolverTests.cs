using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Containers;

namespace Probes.Consumer.Tests.Targets;

/// <summary>Container resolution over a fake /proc tree (no podman: the argument is an id prefix).</summary>
[TestClass]
public sealed class ContainerResolverTests
{
    private const string First = "750281e108c56b77965390ae578a6b7e8d5d039c696226f989dd296faf525797";
    private const string Second = "7502ffff08c56b77965390ae578a6b7e8d5d039c696226f989dd296faf525797";
    private const string Third = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

    private string _proc = "";
    private readonly List<string> _notes = [];

    [TestInitialize]
    public void CreateFakeProc()
    {
        _proc = Path.Combine(Path.GetTempPath(), $"probes-fake-proc-{Guid.NewGuid():N}");
        AddProcess(1, "0::/init.scope");
        AddProcess(40, "0::/libpod_parent/libpod-" + First);
        AddProcess(41, "0::/libpod_parent/libpod-" + First);
        AddProcess(39, "8:pids:/libpod_parent/conmon");
        AddProcess(50, "0::/system.slice/docker-" + Second + ".scope");
        AddProcess(60, "0::/kubepods.slice/kubepods-besteffort.slice/crio-" + Third + ".scope");
        Directory.CreateDirectory(Path.Combine(_proc, "self"));
        Directory.CreateDirectory(Path.Combine(_proc, "77")); // a process that exited: no cgroup file
    }

    [TestCleanup]
    public void RemoveFakeProc() => Directory.Delete(_proc, recursive: true);

    private ContainerResolver Resolver => new(_proc, podmanPath: "/nonexistent/podman");

    [TestMethod]
    public void FullIdFindsAllItsProcesses()
    {
        ContainerInfo container = Resolver.Resolve(First, _notes.Add);
        Assert.AreEqual(First, container.Id);
        Assert.IsNull(container.Name, "without podman the name is unknown");
        CollectionAssert.AreEqual(new[] { 40, 41 }, container.Pids.ToArray(), "conmon (39) and other containers stay out");
    }

    [TestMethod]
    public void UniquePrefixResolvesAndUppercaseIsAccepted()
    {
        Assert.AreEqual(Third, Resolver.Resolve("A1B2C3", _notes.Add).Id);
        Assert.AreEqual(First, Resolver.Resolve("750281", _notes.Add).Id);
    }

    [TestMethod]
    public void AmbiguousPrefixNamesTheCandidates()
    {
        var error = Assert.ThrowsExactly<TargetAmbiguousException>(() => Resolver.Resolve("7502", _notes.Add));
        Assert.AreEqual("container id prefix '7502' matches 2 containers: 750281e108c5, 7502ffff08c5", error.Message);
    }

    [TestMethod]
    [DataRow("deadbeef", "no running container named or with an id starting with 'deadbeef'")]
    [DataRow("web-1", "no running container named 'web-1'")]
    public void UnknownContainerIsNotFound(string argument, string message)
    {
        var error = Assert.ThrowsExactly<TargetNotFoundException>(() => Resolver.Resolve(argument, _notes.Add));
        Assert.AreEqual(message, error.Message);
    }

    [TestMethod]
    public void MissingPodmanIsExplainedInVerboseNotes()
    {
        Resolver.Resolve(Third, _notes.Add);
        CollectionAssert.Contains(_notes, "podman does not know a container 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90'; treating it as an id prefix");
    }

    private void AddProcess(int pid, string cgroupLine)
    {
        string directory = Path.Combine(_proc, pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "cgroup"), cgroupLine + "\n");
    }
}
