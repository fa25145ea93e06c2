using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>An application firing a phase 100,000+ times a second across threads: the report counts what it did, or says exactly what it lost.</summary>
[TestClass]
[TestCategory("Kernel")]
public sealed partial class PhasesLoadTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [TestMethod]
    public void The_count_under_load_equals_the_applications_own_or_the_loss_is_stated()
    {
        Requirements.Root();
        const double Seconds = 3;
        using LiveProcess sample = SampleService.Start("--wait-for-tracer", "60", "--load", Seconds.ToString(CultureInfo.InvariantCulture), "--load-threads", "2");
        using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["phases", "--pid", $"{sample.Pid}", "--format", "json"]);
        sample.WaitForExit(Timeout);
        tracer.WaitForExit(Timeout);
        Assert.AreEqual(0, sample.ExitCode);
        Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));

        long own = long.Parse(Count().Match(string.Join('\n', sample.Stdout)).Groups["n"].Value, CultureInfo.InvariantCulture);
        using JsonDocument report = JsonDocument.Parse(string.Join('\n', tracer.Stdout));
        long counted = report.RootElement.GetProperty("phases").EnumerateArray().Where(p => p.GetProperty("name").GetString() == "Load.Tick").Sum(p => p.GetProperty("count").GetInt64());
        long lost = report.RootElement.GetProperty("lost").GetInt64();
        Console.WriteLine($"own {own} phases in {Seconds} s ({own / Seconds:F0}/s), counted {counted}, lost events {lost}");

        Assert.IsTrue(own / Seconds >= 100_000, $"the sample fired only {own / Seconds:F0} phases/s under the tracer; the test needs 100,000/s");
        if (lost == 0)
        {
            Assert.AreEqual(own, counted, "no event was lost, so every phase must be counted");
            Assert.AreEqual(0, report.RootElement.GetProperty("unfinished").GetInt64());
            Assert.AreEqual(0, report.RootElement.GetProperty("ends_without_begin").GetInt64());
        }
        else
        {
            // A lost event is a begin or an end: each costs at most one phase.
            Assert.IsTrue(counted <= own && own - counted <= lost, $"own {own}, counted {counted}, lost {lost}");
        }
    }

    [GeneratedRegex(@"load phases=(?<n>\d+)")]
    private static partial Regex Count();
}
