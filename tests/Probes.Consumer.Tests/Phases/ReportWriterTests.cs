using System.Text.Json;
using Probes.Consumer.Output.Reports;
using Probes.Consumer.Phases;
using Spectre.Console;
using static Probes.Consumer.Tests.Phases.PhasePairingTests;

namespace Probes.Consumer.Tests.Phases;

[TestClass]
public sealed class ReportWriterTests
{
    private static (PhaseReport Report, List<CompletedPhase> Phases) Sample()
    {
        var pairing = new PhasePairing();
        var statistics = new PhaseStatistics();
        var phases = new List<CompletedPhase>();
        PhaseEvent[] events =
        [
            Begin(1_000, 10, 1, 0, "Startup", container: "abc"),
            Begin(2_000, 10, 2, 1, "LoadConfig", container: "abc"),
            End(5_000, 10, 2, name: "LoadConfig", container: "abc"),
            Begin(6_000, 10, 3, 1, "Fetch", container: "abc"),
            Begin(6_500, 10, 4, 1, "Fetch", container: "abc"),
            End(9_000, 10, 3, PhaseStatus.Faulted, "Fetch", container: "abc"),
            End(9_500, 10, 4, PhaseStatus.Canceled, "Fetch", container: "abc"),
            End(10_000, 10, 1, name: "Startup", container: "abc"),
            Begin(11_000, 10, 5, 0, "Hanging", container: "abc"),
            End(12_000, 10, 99, name: "Orphan", container: "abc"),
        ];
        foreach (PhaseEvent e in events)
        {
            if (pairing.Add(e) is { } done)
            {
                phases.Add(done);
                statistics.Add(done);
            }
        }
        var report = new PhaseReport(statistics.Rows(), Lost: 3, pairing.Unfinished(), pairing.EndsWithoutBegin,
            new Dictionary<string, string> { ["abc"] = "web-1" });
        return (report, phases);
    }

    [TestMethod]
    public void Json_report_has_the_documented_fields_and_values()
    {
        (PhaseReport report, _) = Sample();
        using var stream = new MemoryStream();
        JsonReportWriter.Write(report, stream);
        using JsonDocument document = JsonDocument.Parse(stream.ToArray());
        JsonElement root = document.RootElement;

        Assert.AreEqual(3, root.GetProperty("lost").GetInt64());
        Assert.AreEqual(1, root.GetProperty("unfinished").GetInt64());
        Assert.AreEqual(1, root.GetProperty("ends_without_begin").GetInt64());
        Assert.AreEqual("Hanging", root.GetProperty("unfinished_phases")[0].GetProperty("name").GetString());

        JsonElement fetch = root.GetProperty("phases").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "Fetch");
        Assert.AreEqual("web-1", fetch.GetProperty("container").GetString());
        Assert.AreEqual("abc", fetch.GetProperty("container_id").GetString());
        Assert.AreEqual(7u, fetch.GetProperty("id").GetUInt32());
        Assert.AreEqual(2, fetch.GetProperty("count").GetInt64());
        Assert.AreEqual(3_000ul, fetch.GetProperty("min_ns").GetUInt64());
        Assert.AreEqual(3_000ul, fetch.GetProperty("max_ns").GetUInt64());
        Assert.AreEqual(6_000ul, fetch.GetProperty("total_ns").GetUInt64());
        Assert.AreEqual(1, fetch.GetProperty("faulted").GetInt64());
        Assert.AreEqual(1, fetch.GetProperty("canceled").GetInt64());
        foreach (string field in new[] { "p50_ns", "p90_ns", "p99_ns" })
        {
            Assert.AreEqual(3_000ul, fetch.GetProperty(field).GetUInt64(), field);
        }
    }

    [TestMethod]
    public void Json_report_names_the_pairing_its_marks_and_in_kernel_mode_the_kernel_losses()
    {
        (PhaseReport user, _) = Sample();
        PhaseReport kernel = user with
        {
            Marks = [new MarkRow("abc", "tick", 0x5005, Count: 3, Last: 3, Min: 1, Max: 3)],
            Kernel = new KernelPairingLoss(Evicted: 4, PendingFull: 5, HistogramFull: 6, StatisticsFull: 7, Unattributed: 8),
        };

        using JsonDocument userJson = Json(user);
        Assert.AreEqual("user", userJson.RootElement.GetProperty("pairing").GetString());
        Assert.AreEqual(0, userJson.RootElement.GetProperty("marks").GetArrayLength());
        foreach (string field in new[] { "evicted_begins", "pending_map_full", "histogram_map_full", "statistics_map_full", "unattributed" })
        {
            Assert.IsFalse(userJson.RootElement.TryGetProperty(field, out _), $"{field} belongs to kernel pairing only");
        }

        using JsonDocument kernelJson = Json(kernel);
        JsonElement root = kernelJson.RootElement;
        Assert.AreEqual("kernel", root.GetProperty("pairing").GetString());
        JsonElement tick = root.GetProperty("marks").EnumerateArray().Single();
        Assert.AreEqual("tick", tick.GetProperty("name").GetString());
        Assert.AreEqual(0x5005u, tick.GetProperty("id").GetUInt32());
        Assert.AreEqual("web-1", tick.GetProperty("container").GetString());
        Assert.AreEqual("abc", tick.GetProperty("container_id").GetString());
        Assert.AreEqual((3, 3, 1, 3), (tick.GetProperty("count").GetInt64(), tick.GetProperty("last").GetInt64(), tick.GetProperty("min").GetInt64(), tick.GetProperty("max").GetInt64()));
        Assert.AreEqual(4, root.GetProperty("evicted_begins").GetInt64());
        Assert.AreEqual(5, root.GetProperty("pending_map_full").GetInt64());
        Assert.AreEqual(6, root.GetProperty("histogram_map_full").GetInt64());
        Assert.AreEqual(7, root.GetProperty("statistics_map_full").GetInt64());
        Assert.AreEqual(8, root.GetProperty("unattributed").GetInt64());
    }

    private static JsonDocument Json(PhaseReport report)
    {
        using var stream = new MemoryStream();
        JsonReportWriter.Write(report, stream);
        return JsonDocument.Parse(stream.ToArray());
    }

    [TestMethod]
    public void Table_shows_every_phase_of_every_container_and_the_loss_counters()
    {
        (PhaseReport report, _) = Sample();
        var output = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No });
        console.Profile.Width = 200;
        TableReportWriter.Write(report, console);
        string text = output.ToString();

        string startup = text.Split('\n').Single(line => line.Contains("Startup", StringComparison.Ordinal));
        StringAssert.Contains(startup, "web-1");
        StringAssert.Contains(startup, "9.00 µs");
        StringAssert.Contains(text.Split('\n').Single(line => line.Contains("LoadConfig", StringComparison.Ordinal)), "3.00 µs");
        StringAssert.Contains(text, "lost events: 3");
        StringAssert.Contains(text, "unfinished phases: 1");
    }

    [TestMethod]
    public void Chrome_trace_nests_children_and_puts_overlapping_siblings_on_their_own_lanes()
    {
        (PhaseReport report, List<CompletedPhase> phases) = Sample();
        using var stream = new MemoryStream();
        ChromeTraceWriter.Write(phases, report.Unfinished, traceEndNs: 20_000, pid => $"sample ({pid})", stream);
        using JsonDocument document = JsonDocument.Parse(stream.ToArray());
        var slices = document.RootElement.GetProperty("traceEvents").EnumerateArray()
            .Where(e => e.GetProperty("ph").GetString() == "X")
            .Select(e => (Name: e.GetProperty("name").GetString()!, Tid: e.GetProperty("tid").GetInt32(), Ts: e.GetProperty("ts").GetDouble(), Dur: e.GetProperty("dur").GetDouble(), Status: e.GetProperty("args").GetProperty("status").GetString()))
            .ToList();

        Assert.AreEqual(5, slices.Count, "four completed phases and one unfinished");
        var startup = slices.Single(s => s.Name == "Startup");
        Assert.AreEqual(0.0, startup.Ts, "timestamps start at the first phase");
        Assert.AreEqual(9.0, startup.Dur, "microseconds");
        Assert.AreEqual(startup.Tid, slices.Single(s => s.Name == "LoadConfig").Tid, "a sequential child shares its parent's lane");
        var fetchLanes = slices.Where(s => s.Name == "Fetch").Select(s => s.Tid).ToList();
        Assert.AreEqual(2, fetchLanes.Distinct().Count(), "overlapping siblings cannot share a lane");
        Assert.AreEqual("Unfinished", slices.Single(s => s.Name == "Hanging").Status);
        Assert.AreEqual(9.0, slices.Single(s => s.Name == "Hanging").Dur, "an unfinished phase runs to the end of the trace");
        StringAssert.Contains(document.RootElement.GetRawText(), "sample (10)");
    }
}
