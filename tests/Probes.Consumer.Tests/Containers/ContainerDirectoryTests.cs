
using Probes.Consumer.Targets.Containers;

namespace Probes.Consumer.Tests.Containers;

/// <summary>Attribution of events to containers, with pids reused and ids invented by a target.</summary>
[TestClass]
public sealed class ContainerDirectoryTests
{
    private const string A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    [TestMethod]
    public void A_pid_reused_in_another_pid_namespace_is_looked_up_again()
    {
        using var proc = new FakeProc();
        proc.Add(100, 1, $"/libpod_parent/libpod-{A}", pidNamespace: 11, mountNamespace: 31);
        var directory = new ContainerDirectory(proc.Root, id => id == A ? "a" : "b");
        Assert.AreEqual(A, directory.Of(100, pidNamespace: 11, mountNamespace: 31)?.Id);

        // Container A's process exits and container B's new process gets the same host pid.
        Directory.Delete(Path.Combine(proc.Root, "100"), recursive: true);
        proc.Add(100, 1, $"/libpod_parent/libpod-{B}", pidNamespace: 22, mountNamespace: 32);

        Assert.AreEqual(B, directory.Of(100, pidNamespace: 22, mountNamespace: 32)?.Id, "new namespaces are a new process");
        Assert.AreEqual(A, directory.Of(100, pidNamespace: 11, mountNamespace: 31)?.Id, "events of the old process keep their container");
    }

    [TestMethod]
    public void Past_the_container_bound_podman_is_no_longer_asked()
    {
        using var proc = new FakeProc();
        int asked = 0;
        var directory = new ContainerDirectory(proc.Root, _ => { asked++; return "name"; });
        for (int i = 0; i < ContainerDirectory.MaxContainers + 10; i++)
        {
            string id = i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture);
            proc.Add(1000 + i, 1, $"/libpod_parent/libpod-{id}");
            Assert.AreEqual(id, directory.Of(1000 + i)?.Id, "still attributed");
        }
        Assert.AreEqual(ContainerDirectory.MaxContainers, asked);
    }
}
