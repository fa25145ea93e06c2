using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary><c>probes list --container</c> against a real podman container running a fixture.</summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Container")]
public sealed class ListContainerTests
{
    private const string InContainer = "/fixture";

    [TestMethod]
    public void ListsTheContainersProbesByNameAndByIdPrefix()
    {
        string podman = Requirements.RootWithPodman();
        string fixture = Fixtures.Build(FixtureKind.Static, "-O2");
        using var container = new PodmanContainer(podman, fixture, InContainer);
        List<JsonProbe> expected = ProbesBinary.ListJson(fixture);

        foreach (string nameOrId in new[] { container.Name, container.Id[..12], container.Id })
        {
            List<JsonProbe> listed = ProbesBinary.ListJson("--container", nameOrId);
            Assert.IsNotEmpty(listed, nameOrId);
            Assert.IsTrue(listed.All(p => p.File == InContainer), $"only the container's own file: {string.Join(", ", listed.Select(p => p.File).Distinct())}");
            Assert.IsTrue(listed.All(p => p.Container == container.Id && p.Pid == container.HostPid));
            Assert.IsTrue(listed.All(p => p.HostPath == $"/proc/{container.HostPid}/root{InContainer}"));
            CollectionAssert.AreEqual(
                expected.Select(p => (p.Provider, p.Name, p.Pc, p.Base, p.Semaphore, p.Args, p.PcOffset, p.SemaphoreOffset)).ToList(),
                listed.Select(p => (p.Provider, p.Name, p.Pc, p.Base, p.Semaphore, p.Args, p.PcOffset, p.SemaphoreOffset)).ToList(),
                $"--container {nameOrId}");
        }
    }

    [TestMethod]
    public void VerboseTextNamesTheContainerAndItsHostPid()
    {
        string podman = Requirements.RootWithPodman();
        using var container = new PodmanContainer(podman, Fixtures.Build(FixtureKind.Static, "-O0"), InContainer);

        ProcessResult result = ProbesBinary.Run("list", "--container", container.Name, "--verbose").EnsureSuccess("probes list --container --verbose");

        StringAssert.Contains(result.Stderr, $"probes: container {container.Name} {container.Id}: host pids {container.HostPid}");
        string[] lines = result.Stdout.ReplaceLineEndings("\n").Split('\n').Where(l => l.StartsWith(InContainer + " ", StringComparison.Ordinal)).ToArray();
        Assert.HasCount(8, lines);
        Assert.IsTrue(lines.All(l => l.EndsWith($" pid={container.HostPid}", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void StoppedContainerIsNotFound()
    {
        string podman = Requirements.RootWithPodman();
        using var container = new PodmanContainer(podman, Fixtures.Build(FixtureKind.Static, "-O2"), InContainer);
        ProcessRunner.Run(podman, ["stop", "-t", "0", container.Name], TimeSpan.FromMinutes(1)).EnsureSuccess("podman stop");

        ProcessResult result = ProbesBinary.Run("list", "--container", container.Name);

        Assert.AreEqual(3, result.ExitCode, result.Stderr);
        Assert.AreEqual($"probes: error: container '{container.Name}' ({container.Id[..12]}) has no running processes", result.Stderr.Trim());
    }
}
