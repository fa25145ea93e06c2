using Probes.Consumer.Agent;
using Probes.Consumer.Bpf.Maps;
using Probes.Consumer.Bpf.Programs;

namespace Probes.Consumer.Tests.Agent;

[TestClass]
public sealed class PhaseSeriesTableTests
{
    private static readonly ContainerKey A1 = new(1, 10), A2 = new(2, 20), B = new(3, 30), Unknown = new(9, 90);

    private static PhaseSeriesTable Table(int maxSeries) => new(
        id => id == 7 ? null : $"p{id}",
        key => key == Unknown ? null : key == B ? "b" : "a",
        id => new ContainerLabels($"name-{id}", id, "img", "", ""),
        maxSeries);

    [TestMethod]
    public void Keys_of_one_container_add_up_and_kernel_buckets_land_in_their_exported_bucket()
    {
        int tenMs = PhaseBuckets.Index(10_000_000), oneUs = PhaseBuckets.Index(1_000);
        (List<PhaseSeries> series, ulong unattributed) = Table(100).Build(
            [new(1, 0, A1, 2, 20_000_100, 1_000, 20_000_000), new(1, 0, A2, 1, 500, 500, 500), new(1, 1, B, 4, 40, 10, 10), new(2, 0, Unknown, 5, 5, 1, 1), new(7, 0, A1, 3, 3, 1, 1)],
            [new(1, 0, A1, tenMs, 1), new(1, 0, A1, oneUs, 1), new(1, 0, A2, oneUs, 1), new(1, 1, B, 3, 4)],
            _ => true);

        Assert.AreEqual(8UL, unattributed, "an unknown key (5) and an unnamed phase (3)");
        Assert.HasCount(2, series);
        PhaseSeries a = series.Single(s => s.Where.ContainerId == "a");
        Assert.AreEqual(("p1", "completed", 3UL, 20_000_600UL), (a.Phase, a.Status, a.Count, a.SumNanoseconds));
        Assert.AreEqual(2UL, a.Buckets[0], "1 us is under the first bound (10 us)");
        Assert.AreEqual(1UL, a.Buckets[ExportedBuckets.SlotOf(tenMs)]);
        Assert.AreEqual(3UL, a.Buckets.Aggregate(0UL, (x, y) => x + y));
        PhaseSeries b = series.Single(s => s.Where.ContainerId == "b");
        Assert.AreEqual(("faulted", "name-b", 4UL), (b.Status, b.Where.Container, b.Count));
    }

    [TestMethod]
    public void Series_past_the_bound_go_into_one_overflow_series_and_admitted_ones_stay()
    {
        PhaseSeriesTable table = Table(2);
        List<KernelPhaseStatistics> rows = [new(1, 0, A1, 1, 1, 1, 1), new(2, 0, A1, 1, 1, 1, 1), new(3, 0, A1, 1, 1, 1, 1), new(4, 2, B, 2, 2, 1, 1)];
        (List<PhaseSeries> first, _) = table.Build(rows, [], _ => true);
        Assert.HasCount(3, first);
        PhaseSeries overflow = first.Single(s => s.Where == ContainerLabels.Overflow);
        Assert.AreEqual(3UL, overflow.Count);
        Assert.AreEqual(2, table.Overflowed);

        // The next scrape: the same two series, however the rows come.
        rows.Reverse();
        (List<PhaseSeries> second, _) = table.Build(rows, [], _ => true);
        CollectionAssert.AreEquivalent(first.Select(s => s.Phase).ToList(), second.Select(s => s.Phase).ToList());

        // A removed container's series are forgotten; their places are free again.
        table.Forget(id => id == "a");
        (List<PhaseSeries> third, _) = table.Build(rows, [], id => id != "a");
        Assert.AreEqual("p4", third.Single().Phase);
        Assert.AreEqual("canceled", third.Single().Status);
    }

    [TestMethod]
    public void A_status_the_target_chose_outside_the_three_is_other()
    {
        Assert.AreEqual("other", PhaseSeriesTable.StatusName(12345));
        Assert.AreEqual("other", PhaseSeriesTable.StatusName(-1));
    }
}
