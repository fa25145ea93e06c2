using Probes.Consumer.Agent;
using Probes.Consumer.Bpf.Programs;

namespace Probes.Consumer.Tests.Agent;

[TestClass]
public sealed class ExportedBucketsTests
{
    [TestMethod]
    public void No_kernel_bucket_straddles_an_exported_bound()
    {
        IReadOnlyList<ulong> bounds = ExportedBuckets.UpperBoundsNanoseconds;
        // Every bucket up to 2^40 ns (18 minutes): all of its values fall in the one exported bucket its slot says.
        for (int index = 0; index < PhaseBuckets.Count && PhaseBuckets.LowerBound(index) < 1UL << 40; index++)
        {
            ulong first = PhaseBuckets.LowerBound(index), last = first + PhaseBuckets.Width(index) - 1;
            int slot = ExportedBuckets.SlotOf(index);
            if (slot < bounds.Count)
            {
                Assert.IsLessThanOrEqualTo(bounds[slot], last, $"bucket {index} [{first}, {last}] above le {bounds[slot]}");
            }
            if (slot > 0)
            {
                Assert.IsGreaterThan(bounds[slot - 1], first, $"bucket {index} [{first}, {last}] at or below the previous le {bounds[slot - 1]}");
            }
            // The exact value a duration has decides the same slot as its bucket.
            Assert.AreEqual(slot, SlotOfValue(first), $"value {first}");
            Assert.AreEqual(slot, SlotOfValue(last), $"value {last}");
        }
    }

    [TestMethod]
    public void Bounds_sit_within_a_sixty_fourth_of_ten_microseconds_to_sixty_seconds_ascending()
    {
        double[] nominal = [10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
        Assert.HasCount(nominal.Length, ExportedBuckets.UpperBoundsNanoseconds);
        for (int i = 0; i < nominal.Length; i++)
        {
            double seconds = (ExportedBuckets.UpperBoundsNanoseconds[i] + 1) / 1e9;
            Assert.IsLessThanOrEqualTo(1.0 / 64, Math.Abs(seconds - nominal[i]) / nominal[i], $"bound {i}: {seconds} s for {nominal[i]} s");
            Assert.AreEqual(ExportedBuckets.Labels[i], ExportedBuckets.Seconds(ExportedBuckets.UpperBoundsNanoseconds[i]));
            if (i > 0)
            {
                Assert.IsGreaterThan(ExportedBuckets.UpperBoundsNanoseconds[i - 1], ExportedBuckets.UpperBoundsNanoseconds[i]);
            }
        }
        Assert.AreEqual("+Inf", ExportedBuckets.Labels[^1]);
        Assert.AreEqual("0.000009983", ExportedBuckets.Labels[0]);
    }

    [TestMethod]
    public void Seconds_are_written_exactly_from_nanoseconds()
    {
        Assert.AreEqual("0", ExportedBuckets.Seconds(0));
        Assert.AreEqual("0.000000001", ExportedBuckets.Seconds(1));
        Assert.AreEqual("1.5", ExportedBuckets.Seconds(1_500_000_000));
        Assert.AreEqual("60", ExportedBuckets.Seconds(60_000_000_000));
        Assert.AreEqual("18446744073.709551615", ExportedBuckets.Seconds(ulong.MaxValue));
    }

    private static int SlotOfValue(ulong nanoseconds)
    {
        IReadOnlyList<ulong> bounds = ExportedBuckets.UpperBoundsNanoseconds;
        int slot = 0;
        while (slot < bounds.Count && nanoseconds > bounds[slot])
        {
            slot++;
        }
        return slot;
    }
}
