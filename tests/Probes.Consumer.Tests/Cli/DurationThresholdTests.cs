using Probes.Consumer.Cli;

namespace Probes.Consumer.Tests.Cli;

/// <summary><c>--slow</c>'s durations: a number, then its unit; nothing else.</summary>
[TestClass]
public sealed class DurationThresholdTests
{
    [TestMethod]
    [DataRow("250us", 250_000UL)]
    [DataRow("250µs", 250_000UL)]
    [DataRow("10ms", 10_000_000UL)]
    [DataRow("1.5s", 1_500_000_000UL)]
    [DataRow("0.5ms", 500_000UL)]
    [DataRow(".25s", 250_000_000UL)]
    [DataRow("7ns", 7UL)]
    [DataRow("1.4ns", 1UL)]
    [DataRow("0.5ns", 1UL)]
    [DataRow("86400s", 86_400_000_000_000UL)]
    [DataRow("007ms", 7_000_000UL)]
    public void A_duration_with_its_unit_is_whole_nanoseconds(string text, ulong nanoseconds)
    {
        Assert.IsTrue(DurationThreshold.TryParse(text, out ulong parsed), text);
        Assert.AreEqual(nanoseconds, parsed);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("10")]
    [DataRow("ms")]
    [DataRow("s")]
    [DataRow("-5ms")]
    [DataRow("+5ms")]
    [DataRow("0ms")]
    [DataRow("0.4ns")]
    [DataRow("1e3ms")]
    [DataRow("1,000ms")]
    [DataRow(" 5ms")]
    [DataRow("5 ms")]
    [DataRow("5MS")]
    [DataRow("5m")]
    [DataRow("5h")]
    [DataRow("1.2.3s")]
    [DataRow(".s")]
    [DataRow("86400.000000001s")]
    [DataRow("99999999999999999999999999999999s")]
    [DataRow("NaNs")]
    [DataRow("Infinitys")]
    [DataRow("١٠ms")]
    public void Anything_else_is_refused(string text)
    {
        Assert.IsFalse(DurationThreshold.TryParse(text, out _), text);
    }
}
