
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

    private const ulong HostPidNamespace = 4026531836;

    [TestMethod]
    public void A_container_that_exited_before_its_first_record_was_read_is_found_by_its_init_pid()
    {
        using var proc = new FakeProc();
        proc.AddSelf(pidNamespace: HostPidNamespace);
        // Container A ran pid 4242 in pid namespace 55 and exited; nothing alive holds 55 any more.
        // The runtime's record answers only when asked after the fact, as podman's pid file does.
        var asked = new List<int>();
        var directory = new ContainerDirectory(proc.Root, id => id == A ? "a" : null, initOwnerOf: pid => { asked.Add(pid); return pid == 4242 ? A : null; });

        ContainerRef? init = directory.Of(4242, pidNamespace: 55, mountNamespace: 65, namespacePid: 1);
        Assert.AreEqual(A, init?.Id, "attributed to the container, not to the host");
        Assert.AreEqual("a", init?.DisplayName);
        Assert.AreEqual(A, directory.Of(4250, pidNamespace: 55, mountNamespace: 65, namespacePid: 9)?.Id, "another process of it, gone too, by the namespaces learned");
        CollectionAssert.AreEqual(new[] { 4242 }, asked, "the runtime is asked once, for the init");
        Assert.AreEqual("a", directory.Names[A]);
    }

    [TestMethod]
    public void A_container_nobody_can_identify_any_more_is_kept_apart_from_the_host_and_from_other_containers()
    {
        using var proc = new FakeProc();
        proc.AddSelf(pidNamespace: HostPidNamespace);
        var directory = new ContainerDirectory(proc.Root, _ => null, initOwnerOf: _ => null);

        ContainerRef? first = directory.Of(4242, pidNamespace: 55, mountNamespace: 65, namespacePid: 1);
        ContainerRef? second = directory.Of(4300, pidNamespace: 56, mountNamespace: 66, namespacePid: 1);
        Assert.IsNotNull(first, "not the host");
        Assert.IsFalse(first.Identified);
        Assert.AreEqual("pidns-55", first.Id);
        Assert.AreEqual("unidentified (pid ns 55)", directory.Names["pidns-55"], "the report says what it is");
        Assert.AreEqual("pidns-56", second?.Id, "two unknown containers are two rows");
        Assert.AreEqual(first, directory.Of(4243, pidNamespace: 55, mountNamespace: 65, namespacePid: 2), "one container's processes stay together");

        // A host process that has exited (the host's pid namespace, even with a mount namespace of its own) is the host's.
        Assert.IsNull(directory.Of(5000, pidNamespace: (uint)HostPidNamespace, mountNamespace: 99, namespacePid: 5000));
    }

    [TestMethod]
    public void Namespace_numbers_reused_by_a_second_container_that_also_exited_are_not_the_first_ones()
    {
        using var proc = new FakeProc();
        proc.AddSelf(pidNamespace: HostPidNamespace);
        // Container A (init 4242) exits, container B reuses its namespace numbers (init 4300) and is
        // removed; both have exited before their records are read. Only A's pid file is left.
        var directory = new ContainerDirectory(proc.Root, id => id == A ? "a" : null, initOwnerOf: pid => pid == 4242 ? A : null);

        Assert.AreEqual(A, directory.Of(4242, pidNamespace: 55, mountNamespace: 65, namespacePid: 1)?.Id);
        ContainerRef? second = directory.Of(4300, pidNamespace: 55, mountNamespace: 65, namespacePid: 1);
        Assert.AreEqual("pidns-55", second?.Id, "a second pid 1 in the same numbers is another container");
        Assert.AreEqual(second, directory.Of(4301, pidNamespace: 55, mountNamespace: 65, namespacePid: 2), "and its other processes go with it");
    }

    [TestMethod]
    public void An_exited_init_is_not_lent_to_the_live_container_that_reused_its_namespace_numbers()
    {
        using var proc = new FakeProc();
        proc.AddSelf(pidNamespace: HostPidNamespace);
        // A's init 4242 fired in (55, 65) and exited; B started and got the same numbers, and runs.
        proc.Add(4300, 1, $"/libpod_parent/libpod-{B}", pidNamespace: 55, mountNamespace: 65);
        var directory = new ContainerDirectory(proc.Root, id => id == A ? "a" : "b", initOwnerOf: pid => pid == 4242 ? A : null);

        Assert.AreEqual(A, directory.Of(4242, pidNamespace: 55, mountNamespace: 65, namespacePid: 1)?.Id, "not B, which holds the numbers now");
        Assert.AreEqual(B, directory.Of(4300, pidNamespace: 55, mountNamespace: 65, namespacePid: 1)?.Id);
    }
}
