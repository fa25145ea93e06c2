using System.Text.Json;
using Probes.Consumer.Output.Reports;
using Probes.Consumer.Phases;
using Probes.Consumer.Tests.Support;
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
    public void Chrome_trace_puts_overlapping_siblings_on_their_own_lanes_under_their_parent()
    {
        (PhaseReport report, List<CompletedPhase> phases) = Sample();
        using var stream = new MemoryStream();
        ChromeTraceWriter.Write(phases, report.Unfinished, [], traceEndNs: 20_000, pid => $"sample ({pid})", _ => DateTimeOffset.UnixEpoch, stream);
        ValidatedTrace trace = ChromeTraceValidator.Validate(System.Text.Encoding.UTF8.GetString(stream.ToArray()));

        Assert.AreEqual(5, trace.Slices.Count, "four completed phases and one unfinished");
        TraceSlice startup = trace.Slices.Single(s => s.Name == "Startup");
        Assert.AreEqual(0, startup.StartNs, "timestamps start at the first phase");
        Assert.AreEqual(9_000, startup.EndNs - startup.StartNs);
        Assert.AreSame(startup, trace.Slices.Single(s => s.Name == "LoadConfig").Enclosing, "a sequential child nests in its parent on its lane");
        var fetches = trace.Slices.Where(s => s.Name == "Fetch").ToList();
        Assert.AreEqual(2, fetches.Select(s => s.Tid).Distinct().Count(), "overlapping siblings cannot share a lane");
        Assert.AreEqual("Faulted", fetches.Single(f => f.Span == 3).Args.GetProperty("status").GetString());
        TraceSlice hanging = trace.Slices.Single(s => s.Name == "Hanging (unfinished)");
        Assert.AreEqual("Unfinished", hanging.Args.GetProperty("status").GetString());
        Assert.AreEqual(19_000, hanging.EndNs, "an unfinished phase runs to the end of the trace");
        Assert.AreEqual("sample (10)", trace.ProcessNames[10]);
        Output.ChromeTraceTests.AssertDrawnUnderParents(trace);
    }
}
