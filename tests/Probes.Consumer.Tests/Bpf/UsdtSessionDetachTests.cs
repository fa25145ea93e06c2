using System.Diagnostics;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Programs;

namespace Probes.Consumer.Tests.Bpf;

/// <summary>
/// Detaching a subset of a running session (what `phases` does for a removed container): the
/// kernel removes exactly those uprobes, lowers their semaphores, and their hits stop, while the
/// other files keep reporting through the same ring.
/// </summary>
[TestClass]
[TestCategory("Kernel")]
public sealed class UsdtSessionDetachTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [TestMethod]
    public void Detach_removes_only_the_chosen_files_uprobes_and_their_hits_stop()
    {
        Requirements.Root();
        // Two copies of the fixture: two files, two inodes, like two images' libprobes.so.
        FixtureBinary first = FixtureBinary.Build("O2", "-detach-first");
        FixtureBinary second = FixtureBinary.Build("O2", "-detach-second");
        using var firstProcess = new LiveProcess(first.Path, ["100000", "5000"]);
        using var secondProcess = new LiveProcess(second.Path, ["100000", "5000"]);
        firstProcess.WaitForStdout("ready", Timeout);
        secondProcess.WaitForStdout("ready", Timeout);

        using UsdtSession session = UsdtSession.Create(new UsdtSessionOptions { RingBufferBytes = 1 << 20, PollIntervalMilliseconds = 10 });
        uint id = 0;
        foreach (FixtureBinary binary in new[] { first, second })
        {
            // scalars: gated by its semaphore; twice: fired unconditionally at two call sites.
            foreach (FixtureProbe site in binary.Sites.Where(s => s.Name is "scalars" or "twice"))
            {
                session.AddSite(new UsdtProgramSpec(id++, site.Arguments, []), [binary.Target(site).Target]);
            }
        }
        session.Start();
        ulong scalarsSemaphore = first.Probe("scalars").Semaphore;
        ulong twiceSemaphore = first.Probe("twice").Semaphore;
        Assert.AreEqual(1, first.ReadSemaphore(firstProcess.Pid, scalarsSemaphore));
        Assert.AreEqual(1, second.ReadSemaphore(secondProcess.Pid, second.Probe("scalars").Semaphore));

        var pids = new HashSet<int>();
        Collect(session, pids, () => pids.Contains(firstProcess.Pid) && pids.Contains(secondProcess.Pid), "hits from both processes");

        int detached = session.Detach(target => target.Path == first.Path);

        Assert.AreEqual(3, detached, "scalars and both sites of twice in the first file");
        Assert.AreEqual(3, session.AttachmentCount);
        Wait.Until(() => first.ReadSemaphore(firstProcess.Pid, scalarsSemaphore) == 0 && first.ReadSemaphore(firstProcess.Pid, twiceSemaphore) == 0, Timeout,
            "the kernel lowered the detached file's semaphores");
        Assert.AreEqual(1, second.ReadSemaphore(secondProcess.Pid, second.Probe("scalars").Semaphore), "the other file stays attached");

        // Whatever the detached uprobes wrote before is in the ring now; take it out, then count afresh.
        session.Drain(_ => { });
        var afterwards = new Dictionary<int, int>();
        Collect(session, afterwards, () => afterwards.GetValueOrDefault(secondProcess.Pid) >= 20, "20 more hits from the second process");
        Assert.AreEqual(0, afterwards.GetValueOrDefault(firstProcess.Pid), "no hit of the detached file after Detach");
        Assert.IsFalse(firstProcess.HasExited, "the first process kept running (and firing `twice`) all along");
        Assert.AreEqual(0UL, session.LostCount);
    }

    [TestMethod]
    public void Detach_before_Start_drops_the_queued_uprobes()
    {
        Requirements.Root();
        FixtureBinary binary = FixtureBinary.Build("O2", "-detach-first");
        using UsdtSession session = UsdtSession.Create(new UsdtSessionOptions { RingBufferBytes = 1 << 16 });
        FixtureProbe scalars = binary.Probe("scalars");
        session.AddSite(new UsdtProgramSpec(0, scalars.Arguments, []), [binary.Target(scalars).Target]);

        Assert.AreEqual(1, session.Detach(_ => true));
        session.Start();
        Assert.AreEqual(0, session.AttachmentCount);
    }

    private static void Collect(UsdtSession session, HashSet<int> pids, Func<bool> enough, string what) =>
        Collect(session, record => pids.Add(record.Pid), enough, what);

    private static void Collect(UsdtSession session, Dictionary<int, int> counts, Func<bool> enough, string what) =>
        Collect(session, record => counts[record.Pid] = counts.GetValueOrDefault(record.Pid) + 1, enough, what);

    private static void Collect(UsdtSession session, UsdtRecordHandler onRecord, Func<bool> enough, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!enough())
        {
            if (clock.Elapsed > Timeout)
            {
                Assert.Fail($"timed out waiting for {what}");
            }
            session.Poll(onRecord, 50);
        }
    }
}
