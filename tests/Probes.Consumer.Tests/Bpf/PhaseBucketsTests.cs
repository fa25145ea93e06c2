using Probes.Consumer.Bpf.Programs;

namespace Probes.Consumer.Tests.Bpf;

[TestClass]
public sealed class PhaseBucketsTests
{
    [TestMethod]
    public void Every_value_lies_in_its_bucket_and_the_midpoint_is_within_the_stated_bound()
    {
        var random = new Random(15);
        IEnumerable<ulong> values = Enumerable.Range(0, 4096).Select(i => (ulong)i)
            .Concat(Enumerable.Range(0, 64).SelectMany(bit => (ulong[])[1UL << bit, (1UL << bit) - 1, (1UL << bit) + 1]))
            .Concat(Enumerable.Range(0, 100_000).Select(_ => (ulong)random.NextInt64() >> random.Next(0, 60)))
            .Append(ulong.MaxValue);
        foreach (ulong value in values)
        {
            int index = PhaseBuckets.Index(value);
            Assert.IsTrue(index is >= 0 and < PhaseBuckets.Count, $"{value} -> {index}");
            ulong low = PhaseBuckets.LowerBound(index);
            Assert.IsTrue(value >= low && value - low < PhaseBuckets.Width(index), $"{value} outside bucket {index} [{low}, +{PhaseBuckets.Width(index)})");
            double error = Math.Abs((double)PhaseBuckets.Representative(index) - value) / Math.Max(1, value);
            Assert.IsTrue(error <= PhaseBuckets.RelativeErrorBound, $"{value}: representative {PhaseBuckets.Representative(index)} is {error:P3} off");
        }
    }

    [TestMethod]
    public void Buckets_are_ordered_and_contiguous()
    {
        for (int index = 1; index < PhaseBuckets.Count; index++)
        {
            Assert.AreEqual(PhaseBuckets.LowerBound(index - 1) + PhaseBuckets.Width(index - 1), PhaseBuckets.LowerBound(index), $"bucket {index}");
        }
        Assert.AreEqual(PhaseBuckets.Count - 1, PhaseBuckets.Index(ulong.MaxValue));
    }
}
