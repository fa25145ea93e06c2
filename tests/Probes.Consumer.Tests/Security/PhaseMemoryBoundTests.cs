using System.Text.Json;
using Probes.Consumer.Output.Reports;
using Probes.Consumer.Phases;
using Spectre.Console;
using static Probes.Consumer.Tests.Phases.PhasePairingTests;

namespace Probes.Consumer.Tests.Security;

/// <summary>
/// A traced program decides how many processes, open phases and phase names the consumer sees;
/// each is bounded, and whatever the bound keeps out is counted in the report, never silently lost.
/// </summary>
[TestClass]
public sealed class PhaseMemoryBoundTests
{
    [TestMethod]
    public void Open_phases_are_bounded_in_total_across_many_processes()
    {
        var pairing = new PhasePairing(maxOpenPerProcess: 10, maxOpenTotal: 4);
        for (int pid = 1; pid <= 6; pid++)
        {
            pairing.Add(Begin(1, pid, span: 1, parent: 0));
        }
        Assert.AreEqual(4, pairing.OpenCount);
        Assert.AreEqual(2, pairing.DroppedBegins);

        Assert.IsNotNull(pairing.Add(End(2, 1, span: 1)), "a kept phase still pairs");
        pairing.Add(Begin(3, 7, span: 1, parent: 0));
        Assert.AreEqual(4, pairing.OpenCount, "an end makes room again");
        Assert.AreEqual(2, pairing.DroppedBegins);
    }

    [TestMethod]
    public void Phase_names_beyond_the_row_bound_are_counted_not_tabulated()
    {
        var collector = new PhaseCollector(keepTimeline: false, statistics: new PhaseStatistics(maxRows: 2));
        for (ulong i = 1; i <= 5; i++)
        {
            collector.Add(Begin(i, 1, span: i, parent: 0, name: $"random-{i}"), () => "p");
            collector.Add(End(i + 1, 1, span: i, name: $"random-{i}"), () => "p");
        }
        collector.Add(Begin(10, 1, span: 10, parent: 0, name: "random-1"), () => "p");
        collector.Add(End(11, 1, span: 10, name: "random-1"), () => "p");

        PhaseReport report = collector.Report(0, new Dictionary<string, string>());
        Assert.AreEqual(2, report.Rows.Count);
        Assert.AreEqual(3, report.Rows.Sum(r => r.Count), "known rows keep counting");
        Assert.AreEqual(3, report.NotTabulated);

        using var stream = new MemoryStream();
        JsonReportWriter.Write(report, stream);
        using JsonDocument json = JsonDocument.Parse(stream.ToArray());
        Assert.AreEqual(3, json.RootElement.GetProperty("not_tabulated").GetInt64());

        var table = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(table), ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No });
        console.Profile.Width = 300;
        TableReportWriter.Write(report, console);
        StringAssert.Contains(table.ToString(), "phases not tabulated (row limit 4096): 3");
        Assert.AreEqual(0, json.RootElement.GetProperty("dropped_begins").GetInt64());
    }

    [TestMethod]
    public void Dropped_begins_reach_the_report()
    {
        var collector = new PhaseCollector(keepTimeline: false, pairing: new PhasePairing(maxOpenPerProcess: 1));
        collector.Add(Begin(1, 1, span: 1, parent: 0), () => "p");
        collector.Add(Begin(2, 1, span: 2, parent: 0), () => "p");
        Assert.AreEqual(1, collector.Report(0, new Dictionary<string, string>()).DroppedBegins);
    }

    [TestMethod]
    public void Process_labels_are_bounded()
    {
        var collector = new PhaseCollector(keepTimeline: true, maxProcessLabels: 3);
        for (int pid = 1; pid <= 10; pid++)
        {
            collector.Add(Begin(1, pid, span: 1, parent: 0), () => $"worker {pid}");
        }
        Assert.AreEqual(3, collector.Processes.Count);
    }
}
