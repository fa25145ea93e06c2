using Probes.Consumer.Bpf.Maps;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Export.Otlp;

namespace Probes.Consumer.Tests.Export;

[TestClass]
public sealed class KernelHistogramsTests
{
    [TestMethod]
    public void Every_kernel_bucket_falls_inside_one_explicit_bucket()
    {
        for (int index = 0; index < PhaseBuckets.Count; index++)
        {
            ulong lower = PhaseBuckets.LowerBound(index);
            ulong last = lower + PhaseBuckets.Width(index) - 1;
            if (last < lower)
            {
                continue; // the top group overflows u64
            }
            int bucket = KernelHistograms.ExplicitBucket(lower);
            double lowerSeconds = bucket == 0 ? 0 : OtlpEncoder.BoundsSeconds[bucket - 1];
            double upperSeconds = bucket < OtlpEncoder.BoundsSeconds.Count ? OtlpEncoder.BoundsSeconds[bucket] : double.PositiveInfinity;
            Assert.IsTrue(lower / 1e9 >= lowerSeconds && last / 1e9 <= upperSeconds, $"kernel bucket {index} [{lower}, {last}] ns is not inside explicit bucket {bucket}");
        }
    }

    [TestMethod]
    public void Rows_of_one_container_and_phase_are_added_and_unnamed_ones_wait()
    {
        var keyA = new ContainerKey(1, 1);
        var keyB = new ContainerKey(2, 2); // the same container restarted: new namespaces
        var unknown = new ContainerKey(3, 3);
        KernelPhaseStatistics[] statistics =
        [
            new(7, 0, keyA, 3, 3_000, 500, 2_000),
            new(7, 0, keyB, 2, 10_000, 4_000, 6_000),
            new(7, 0, unknown, 9, 9, 1, 1),
        ];
        KernelPhaseBucket[] buckets =
        [
            new(7, 0, keyA, PhaseBuckets.Index(500), 1),
            new(7, 0, keyA, PhaseBuckets.Index(500), 1),
            new(7, 0, keyA, PhaseBuckets.Index(2_000), 1),
            new(7, 0, keyB, PhaseBuckets.Index(5_000), 2),
        ];
        List<ExportedHistogram> rows = KernelHistograms.Build(statistics, buckets, id => id == 7 ? "Query" : null,
            key => key == unknown ? null : "web", container => new SpanOrigin(0, container, "web-1", "orders"));

        ExportedHistogram row = rows.Single();
        Assert.AreEqual(5UL, row.Count);
        Assert.AreEqual(13_000UL, row.SumNs);
        Assert.AreEqual(500UL, row.MinNs);
        Assert.AreEqual(6_000UL, row.MaxNs);
        Assert.AreEqual(row.Count, (ulong)row.BucketCounts.Sum(c => (long)c), "the buckets hold every counted phase");
        Assert.AreEqual("completed", row.Status);
    }
}
