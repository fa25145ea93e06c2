using Probes.Consumer.Phases;

namespace Probes.Consumer.Tests.Phases;

/// <summary><c>--slow</c>'s bookkeeping: every instance over the threshold counted, the slowest kept, parents named.</summary>
[TestClass]
public sealed class SlowPhasesTests
{
    private static readonly DateTimeOffset Epoch = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset WallClock(ulong monotonicNs) => Epoch.AddTicks((long)(monotonicNs / 100));

    private static SlowPhase Phase(ulong span, ulong duration, ulong parent = 0, string name = "Work", ulong start = 1_000, int pid = 10) =>
        new("", pid, pid, 1, name, span, parent, PhaseStatus.Completed, start, duration);

    [TestMethod]
    public void Only_instances_at_or_over_the_threshold_count()
    {
        var slow = new SlowPhases(100, WallClock);
        slow.Offer(Phase(1, 99));
        slow.Offer(Phase(2, 100));
        slow.Offer(Phase(3, 5_000));

        SlowPhaseReport report = slow.Report([]);
        Assert.AreEqual(2, report.Count);
        CollectionAssert.AreEqual(new ulong[] { 3, 2 }, report.Instances.Select(i => i.Phase.SpanId).ToArray(), "slowest first");
        Assert.AreEqual(100UL, report.ThresholdNs);
    }

    [TestMethod]
    public void Past_the_capacity_the_slowest_are_kept_and_all_are_counted()
    {
        var slow = new SlowPhases(1, WallClock, capacity: 3);
        foreach (ulong duration in new ulong[] { 50, 10, 70, 20, 60, 30, 40 })
        {
            slow.Offer(Phase(duration, duration));
        }
        SlowPhaseReport report = slow.Report([]);
        Assert.AreEqual(7, report.Count);
        CollectionAssert.AreEqual(new ulong[] { 70, 60, 50 }, report.Instances.Select(i => i.Phase.DurationNs).ToArray());
    }

    [TestMethod]
    public void Of_equal_durations_the_earliest_begun_are_kept()
    {
        var slow = new SlowPhases(1, WallClock, capacity: 2);
        slow.Offer(Phase(1, 10, start: 300));
        slow.Offer(Phase(2, 10, start: 100));
        slow.Offer(Phase(3, 10, start: 200));
        CollectionAssert.AreEqual(new ulong[] { 2, 3 }, slow.Report([]).Instances.Select(i => i.Phase.SpanId).ToArray());
    }

    [TestMethod]
    public void Parents_are_named_outermost_first_from_kept_and_open_phases_of_the_same_process()
    {
        var slow = new SlowPhases(10, WallClock);
        slow.Offer(Phase(3, 20, parent: 2, name: "Fetch"));
        slow.Offer(Phase(2, 30, parent: 1, name: "WarmCaches"));
        slow.Offer(Phase(7, 20, parent: 2, name: "Fetch", pid: 11)); // span 2 of pid 11 is unknown
        UnfinishedPhase startup = new("", 10, 10, 9, "Startup", 1, 0, 0);

        SlowPhaseReport report = slow.Report([startup]);
        SlowPhaseInstance fetch = report.Instances.Single(i => i.Phase.SpanId == 3);
        CollectionAssert.AreEqual(new[] { "Startup", "WarmCaches" }, fetch.ParentChain.ToArray());
        CollectionAssert.AreEqual(new[] { "Startup" }, report.Instances.Single(i => i.Phase.SpanId == 2).ParentChain.ToArray());
        Assert.AreEqual(0, report.Instances.Single(i => i.Phase.Pid == 11).ParentChain.Count);
    }

    [TestMethod]
    public void A_parent_cycle_from_the_target_ends_at_the_depth_limit()
    {
        var slow = new SlowPhases(1, WallClock);
        slow.Offer(Phase(1, 10, parent: 2, name: "A"));
        slow.Offer(Phase(2, 10, parent: 1, name: "B"));
        Assert.IsTrue(slow.Report([]).Instances.All(i => i.ParentChain.Count == SlowPhases.MaxChainDepth));
    }

    [TestMethod]
    public void The_start_is_given_as_wall_clock_time()
    {
        var slow = new SlowPhases(1, WallClock);
        slow.Offer(Phase(1, 10, start: 2_000_000_000));
        Assert.AreEqual(Epoch.AddSeconds(2), slow.Report([]).Instances.Single().StartedAt);
    }
}
