using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Cli;
using Probes.Consumer.Tests.Support;
using Probes.Consumer.Tracing.Run;

namespace Probes.Consumer.Tests.Cli;

/// <summary>An application firing phases as fast as it can on two threads: the report counts what it did, or says exactly what it lost.</summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Kernel")]
public sealed partial class PhasesLoadTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void The_count_under_load_equals_the_applications_own_or_the_loss_is_stated(bool perEvent)
    {
        Requirements.Root();
        const double Seconds = 3;
        using LiveProcess sample = SampleService.Start("--wait-for-tracer", "60", "--load", Seconds.ToString(CultureInfo.InvariantCulture), "--load-threads", "2");
        using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["phases", "--pid", $"{sample.Pid}", "--format", "json", .. perEvent ? (string[])["--per-event"] : []]);
        sample.WaitForExit(Timeout);
        tracer.WaitForExit(Timeout);
        Assert.AreEqual(0, sample.ExitCode);
        Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));

        long own = long.Parse(Count().Match(string.Join('\n', sample.Stdout)).Groups["n"].Value, CultureInfo.InvariantCulture);
        using JsonDocument report = JsonDocument.Parse(string.Join('\n', tracer.Stdout));
        long counted = report.RootElement.GetProperty("phases").EnumerateArray().Where(p => p.GetProperty("name").GetString() == "Load.Tick").Sum(p => p.GetProperty("count").GetInt64());
        long lost = report.RootElement.GetProperty("lost").GetInt64();
        Console.WriteLine($"own {own} phases in {Seconds} s ({own / Seconds:F0}/s), counted {counted}, lost events {lost}");

        if (!perEvent)
        {
            // Paired in the kernel, nothing goes through the ring but a few records: nothing may be lost.
            Assert.AreEqual("kernel", report.RootElement.GetProperty("pairing").GetString());
            Assert.AreEqual(0, lost);
            Assert.AreEqual(0, report.RootElement.GetProperty("evicted_begins").GetInt64());
            Assert.AreEqual(own, counted, "every phase counted in the kernel");
            Assert.AreEqual(0, report.RootElement.GetProperty("ends_without_begin").GetInt64());
            return;
        }

        // "Under load" is relative to what the ring holds, not an absolute rate (this host's uprobe
        // speed varies tenfold between machines): the events fired must overflow the default ring
        // several times over, so a consumer that fell behind would lose some.
        int recordBytes = new UsdtRecordLayout(4, [1], UsdtProgramSpec.DefaultStringLength).Size + RingRecordHeaderBytes;
        long ringRecords = TraceRunOptions.DefaultRingBufferBytes / recordBytes;
        Assert.IsTrue(2 * own >= 4 * ringRecords, $"the sample fired only {own} phases ({2 * own} events); the test needs 4 x the {ringRecords} records the ring holds");
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

    /// <summary>The BPF ring buffer's own header before each record (BPF_RINGBUF_HDR_SZ).</summary>
    private const int RingRecordHeaderBytes = 8;

    [GeneratedRegex(@"load phases=(?<n>\d+)")]
    private static partial Regex Count();
}
