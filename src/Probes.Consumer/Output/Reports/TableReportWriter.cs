using System.Globalization;
using System.Text;
using Probes.Consumer.Output.Tables;
using Probes.Consumer.Phases;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Probes.Consumer.Output.Reports;

/// <summary>The per-phase, per-container table, for the live view and the final report.</summary>
public static class TableReportWriter
{
    private static readonly string[] Numbers = ["count", "total", "min", "p50", "p90", "p99", "max", "faulted", "canceled"];

    public static IRenderable Render(PhaseReport report)
    {
        Table table = ProbesTable.Create(["container", "phase"], Numbers);
        foreach (PhaseRow row in report.OrderedRows())
        {
            table.AddRow(
                // Both names come from the traced side.
                ProbesTable.Untrusted(report.ContainerName(row.Container)),
                ProbesTable.Untrusted(row.Name),
                ProbesTable.Plain(Count(row.Count)),
                ProbesTable.Plain(DurationText.Format(row.TotalNs)),
                ProbesTable.Plain(DurationText.Format(row.MinNs)),
                ProbesTable.Plain(DurationText.Format(row.P50Ns)),
                ProbesTable.Plain(DurationText.Format(row.P90Ns)),
                ProbesTable.Plain(DurationText.Format(row.P99Ns)),
                ProbesTable.Plain(DurationText.Format(row.MaxNs)),
                ProbesTable.Plain(Count(row.Faulted)),
                ProbesTable.Plain(Count(row.Canceled)));
        }
        if (report.Rows.Count == 0)
        {
            table.Caption("no phase completed yet");
        }
        string footer = $"lost events: {report.Lost}   unfinished phases: {report.Unfinished.Count}   ends seen without their begin: {report.EndsWithoutBegin}"
            + (report.DroppedBegins > 0 ? $"   begins dropped (open-phase limit): {report.DroppedBegins}" : "")
            + (report.NotTabulated > 0 ? $"   phases not tabulated (row limit {PhaseStatistics.DefaultMaxRows}): {report.NotTabulated}" : "");
        if (report.Kernel is { } kernel && kernel.Evicted + kernel.PendingFull + kernel.HistogramFull + kernel.StatisticsFull > 0)
        {
            footer += $"   kernel maps full: {kernel.Evicted} begins evicted, {kernel.PendingFull + kernel.HistogramFull + kernel.StatisticsFull} not stored";
        }
        if (report.Marks is not { Count: > 0 } marks)
        {
            return new Rows(table, new Text(footer));
        }
        var markTable = new Table().Border(TableBorder.Simple);
        markTable.AddColumn("container");
        markTable.AddColumn("mark");
        foreach (string column in new[] { "count", "last", "min", "max" })
        {
            markTable.AddColumn(new TableColumn(column).RightAligned());
        }
        foreach (MarkRow mark in marks)
        {
            markTable.AddRow(
                Markup.Escape(TerminalText.Safe(report.ContainerName(mark.Container))),
                Markup.Escape(TerminalText.Safe(mark.Name)),
                Count(mark.Count), Count(mark.Last), Count(mark.Min), Count(mark.Max));
        }
        return new Rows(table, new Text(footer), markTable);
    }

    public static void Write(PhaseReport report, IAnsiConsole console) => console.Write(Render(report));

    /// <summary>The final table (and the slow phases, when asked for) as plain UTF-8 text (no terminal codes), for a report file or a stdout that is no terminal.</summary>
    public static byte[] Text(PhaseReport report)
    {
        using var writer = new StringWriter();
        IAnsiConsole console = OutputTerminal.Create(writer, isTerminal: false);
        Write(report, console);
        if (report.Slow is { } slow)
        {
            console.WriteLine();
            console.Write(SlowPhaseTable.Render(report, slow));
        }
        return Encoding.UTF8.GetBytes(writer.ToString());
    }

    private static string Count(long value) => value.ToString(CultureInfo.InvariantCulture);
}
