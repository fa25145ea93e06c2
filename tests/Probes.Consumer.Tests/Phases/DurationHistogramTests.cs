using Probes.Consumer.Phases;

namespace Probes.Consumer.Tests.Phases;

[TestClass]
public sealed class DurationHistogramTests
{
    [TestMethod]
    public void Small_values_are_exact()
    {
        var histogram = new DurationHistogram();
        foreach (ulong v in new ulong[] { 5, 1, 3, 2, 4 })
        {
            histogram.Record(v);
        }
        Assert.AreEqual(3ul, histogram.Percentile(50));
        Assert.AreEqual(5ul, histogram.Percentile(100));
        Assert.AreEqual(1ul, histogram.Min);
        Assert.AreEqual(5ul, histogram.Max);
    }

    [TestMethod]
    public void Percentiles_stay_within_one_128th_of_the_exact_nearest_rank()
    {
        var random = new Random(1234);
        var histogram = new DurationHistogram();
        var values = new List<ulong>();
        for (int i = 0; i < 50_000; i++)
        {
            // Log-uniform from 100 ns to ~10 s: the range phases really span.
            ulong v = (ulong)Math.Exp(Math.Log(100) + (random.NextDouble() * (Math.Log(1e10) - Math.Log(100))));
            values.Add(v);
            histogram.Record(v);
        }
        values.Sort();
        foreach (double p in new[] { 1.0, 50, 90, 99, 99.9, 100 })
        {
            ulong exact = values[(int)Math.Ceiling(p / 100 * values.Count) - 1];
            ulong reported = histogram.Percentile(p);
            double error = Math.Abs((double)reported - exact) / exact;
            Assert.IsTrue(error <= 1.0 / 128, $"p{p}: exact {exact}, reported {reported}, error {error:P3}");
        }
        Assert.AreEqual(values[0], histogram.Min);
        Assert.AreEqual(values[^1], histogram.Max);
    }

    [TestMethod]
    public void Empty_histogram_reports_zero()
        => Assert.AreEqual(0ul, new DurationHistogram().Percentile(99));

    [TestMethod]
    public void Extreme_values_do_not_overflow()
    {
        var histogram = new DurationHistogram();
        histogram.Record(ulong.MaxValue);
        histogram.Record(0);
        Assert.AreEqual(ulong.MaxValue, histogram.Percentile(100));
        Assert.AreEqual(0ul, histogram.Percentile(50));
    }
}
