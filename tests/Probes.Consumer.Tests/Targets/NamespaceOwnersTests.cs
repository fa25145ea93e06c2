using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Tests.Containers;

namespace Probes.Consumer.Tests.Targets;

/// <summary>
/// Events attributed by the namespaces the BPF program recorded: a process gone before its
/// record is read still belongs to its container, reused namespace numbers are not trusted, and
/// scans of /proc are bounded.
/// </summary>
[TestClass]
public sealed class NamespaceOwnersTests
{
    private const string A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private const uint HostPid = 4026531836, HostMount = 4026531841;

    [TestMethod]
    public void An_exec_job_gone_before_its_record_is_read_belongs_to_the_container_it_fired_in()
    {
        using var proc = new FakeProc();
        proc.Add(100, 1, $"/libpod_parent/libpod-{A}", pidNamespace: 11, mountNamespace: 21);
        var directory = new ContainerDirectory(proc.Root, id => id == A ? "web" : null);

        // pid 300 ran in A's namespaces and exited; nothing of it is left in /proc.
        ContainerRef? container = directory.Of(300, 11, 21);

        Assert.AreEqual(A, container?.Id);
        Assert.AreEqual("web", container?.Name);
    }

    [TestMethod]
    public void The_host_and_unknown_namespaces_have_no_container()
    {
        using var proc = new FakeProc();
        proc.Add(100, 1, $"/libpod_parent/libpod-{A}", pidNamespace: 11, mountNamespace: 21);
        proc.Add(200, 1, "/user.slice/session-1.scope", pidNamespace: HostPid, mountNamespace: HostMount);
        var directory = new ContainerDirectory(proc.Root, _ => null);

        Assert.IsNull(directory.Of(200, HostPid, HostMount), "a live host process");
        Assert.IsNull(directory.Of(201, HostPid, HostMount), "a gone host process");
        Assert.IsNull(directory.Of(301, 77, 78), "namespaces no container was ever seen in");
    }

    [TestMethod]
    public void A_live_process_is_attributed_by_its_own_cgroup_and_teaches_its_namespaces()
    {
        using var proc = new FakeProc();
        var owners = new NamespaceOwners(proc.Root);
        var directory = new ContainerDirectory(proc.Root, _ => null, owners);
        proc.Add(100, 1, $"/libpod_parent/libpod-{A}", pidNamespace: 11, mountNamespace: 21);

        Assert.AreEqual(A, directory.Of(100, 11, 21)?.Id);
        Assert.AreEqual(A, owners.OwnerOf(new TaskNamespaces(11, 21)));
    }

    [TestMethod]
    public void A_pid_reused_in_other_namespaces_does_not_lend_its_cgroup_to_the_old_events()
    {
        using var proc = new FakeProc();
        proc.Add(100, 1, $"/libpod_parent/libpod-{A}", pidNamespace: 11, mountNamespace: 21);
        proc.Add(150, 1, $"/libpod_parent/libpod-{B}", pidNamespace: 12, mountNamespace: 22);
        var directory = new ContainerDirectory(proc.Root, _ => null);

        // pid 150 is now B's process, but the record was fired by an earlier pid 150 in A's namespaces.
        Assert.AreEqual(A, directory.Of(150, 11, 21)?.Id);
        Assert.AreEqual(B, directory.Of(150, 12, 22)?.Id);
    }

    [TestMethod]
    public void Namespace_numbers_reused_by_a_new_container_are_looked_up_again()
    {
        using var proc = new FakeProc();
        long now = 0;
        var owners = new NamespaceOwners(proc.Root, () => now);
        var directory = new ContainerDirectory(proc.Root, _ => null, owners);
        proc.Add(100, 1, $"/libpod_parent/libpod-{A}", pidNamespace: 11, mountNamespace: 21);
        Assert.AreEqual(A, directory.Of(101, 11, 21)?.Id);

        // A is removed; B starts and the kernel hands it the freed namespace numbers.
        Directory.Delete(Path.Combine(proc.Root, "100"), recursive: true);
        proc.Add(200, 1, $"/libpod_parent/libpod-{B}", pidNamespace: 11, mountNamespace: 21);
        now += 1000;

        Assert.AreEqual(B, directory.Of(201, 11, 21)?.Id, "the witness of A's namespaces is gone: the live processes are asked again");
    }

    [TestMethod]
    public void Namespaces_nobody_holds_any_more_keep_their_last_owner()
    {
        using var proc = new FakeProc();
        long now = 0;
        var owners = new NamespaceOwners(proc.Root, () => now);
        var directory = new ContainerDirectory(proc.Root, _ => null, owners);
        proc.Add(100, 1, $"/libpod_parent/libpod-{A}", pidNamespace: 11, mountNamespace: 21);
        Assert.AreEqual(A, directory.Of(100, 11, 21)?.Id);

        // The whole container exited before the last of its records were read.
        Directory.Delete(Path.Combine(proc.Root, "100"), recursive: true);
        now += 1000;

        Assert.AreEqual(A, directory.Of(102, 11, 21)?.Id);
    }

    [TestMethod]
    public void A_process_that_made_its_own_mount_namespace_in_a_container_is_known_by_its_pid_namespace()
    {
        using var proc = new FakeProc();
        proc.Add(100, 1, $"/libpod_parent/libpod-{A}", pidNamespace: 11, mountNamespace: 21);
        proc.Add(200, 1, $"/libpod_parent/libpod-{B}", pidNamespace: 12, mountNamespace: 22);
        var directory = new ContainerDirectory(proc.Root, _ => null);

        Assert.AreEqual(A, directory.Of(300, 11, 99)?.Id, "unshared mount namespace, A's pid namespace");
        Assert.AreEqual(B, directory.Of(301, 98, 22)?.Id, "nested pid namespace, B's mount namespace");
    }

    [TestMethod]
    public void Scans_of_the_live_processes_are_at_most_one_per_interval()
    {
        using var proc = new FakeProc();
        long now = 0;
        var owners = new NamespaceOwners(proc.Root, () => now);
        var directory = new ContainerDirectory(proc.Root, _ => null, owners);
        proc.Add(100, 1, $"/libpod_parent/libpod-{A}", pidNamespace: 11, mountNamespace: 21);

        // A target making fresh namespaces for every short-lived process.
        for (uint i = 0; i < 1000; i++)
        {
            Assert.IsNull(directory.Of((int)(1000 + i), 5000 + i, 6000 + i));
        }
        Assert.AreEqual(1, owners.Scans);
        now += (long)NamespaceOwners.MinScanInterval.TotalMilliseconds;
        Assert.IsNull(directory.Of(5000, 9000, 9001));
        Assert.AreEqual(2, owners.Scans);
    }

    [TestMethod]
    public void A_resolved_container_teaches_its_namespaces_before_any_event()
    {
        using var proc = new FakeProc();
        proc.Add(100, 1, $"/libpod_parent/libpod-{A}", pidNamespace: 11, mountNamespace: 21);
        var owners = new NamespaceOwners(proc.Root);
        var directory = new ContainerDirectory(proc.Root, _ => null, owners);

        directory.Remember(new ContainerInfo(A, "web", [100]));

        Assert.AreEqual(A, owners.OwnerOf(new TaskNamespaces(11, 21)));
        Assert.AreEqual(0, owners.Scans, "known without scanning /proc");
    }
}
