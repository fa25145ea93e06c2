using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Targets.Processes;
using Probes.Consumer.Tests.Containers;

namespace Probes.Consumer.Tests.Targets;

/// <summary>The one listing of /proc that every process scan starts from.</summary>
[TestClass]
public sealed class HostProcessesTests
{
    [TestMethod]
    public void The_numeric_entries_of_proc_are_the_processes()
    {
        using var proc = new FakeProc(); // has "self" too
        proc.Add(100, 1, "/user.slice");
        proc.Add(7, 1, "/user.slice");
        proc.AddVanished(4242);
        Directory.CreateDirectory(Path.Combine(proc.Root, "sys"));
        Directory.CreateDirectory(Path.Combine(proc.Root, "12x"));

        CollectionAssert.AreEquivalent(new[] { 7, 100, 4242 }, HostProcesses.Pids(proc.Root).ToArray());
    }

    [TestMethod]
    public void A_proc_that_cannot_be_listed_is_an_access_failure_not_a_crash()
    {
        var e = Assert.ThrowsExactly<TargetAccessException>(() => HostProcesses.Pids("/nonexistent/proc"));
        StringAssert.StartsWith(e.Message, "cannot list /nonexistent/proc: ");
    }

    [TestMethod]
    public void Container_processes_come_from_the_same_listing_and_skip_the_vanished()
    {
        string id = new('e', 64);
        using var proc = new FakeProc();
        proc.Add(300, 1, $"/machine.slice/libpod-{id}.scope");
        proc.Add(301, 300, "/user.slice/user-0.slice");
        proc.AddVanished(302);

        CollectionAssert.AreEqual(new[] { (300, id) }, ContainerProcessScan.Processes(proc.Root).ToArray());
        Assert.AreEqual(id, ContainerProcessScan.Scan(proc.Root).Single().Id);
    }
}
