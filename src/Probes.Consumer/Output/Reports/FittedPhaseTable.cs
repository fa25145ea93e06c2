using System.Globalization;
using Probes.Consumer.Output.Tables;
using Probes.Consumer.Phases;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Probes.Consumer.Output.Reports;

/// <summary>
/// The phases table for a terminal of a given width (the live view, and each <c>--interval</c>
/// window): every row on one line (<see cref="FittedTable"/>). At 80 columns it keeps container,
/// phase, count, total, p50, p99 and the statuses, and shortens names in the middle.
/// </summary>
public static class FittedPhaseTable
{
    private static readonly FittedColumn[] PhaseColumns =
    [
        new("container", Right: false, Abbreviate: true, MinWidth: 10),
        new("phase", Right: false, Abbreviate: true, MinWidth: 14),
        new("count"),
        new("total", Keep: 6),
        new("min", Keep: 1),
        new("p50", Keep: 8),
        new("p90", Keep: 3),
        new("p99", Keep: 7),
        new("max", Keep: 2),
        new("faulted", Keep: 5),
        new("canceled", Keep: 4),
    ];

    private static readonly FittedColumn[] WindowColumns =
    [
        new("container", Right: false, Abbreviate: true, MinWidth: 10),
        new("phase", Right: false, Abbreviate: true, MinWidth: 14),
        new("n"),
        new("/s", Keep: 9),
        new("p50", Keep: 8),
        new("p99", Keep: 7),
        new("count", Keep: 6),
        new("p50 all", Keep: 3),
        new("p99 all", Keep: 4),
        new("faulted", Keep: 2),
        new("canceled", Keep: 1),
    ];

    public static IRenderable Render(PhaseReport report, int width)
    {
        var rows = report.OrderedRows().Select(row => new[]
        {
            TerminalText.Safe(report.ContainerName(row.Container)), TerminalText.Safe(row.Name), Count(row.Count),
            DurationText.Format(row.TotalNs), DurationText.Format(row.MinNs), DurationText.Format(row.P50Ns), DurationText.Format(row.P90Ns),
            DurationText.Format(row.P99Ns), DurationText.Format(row.MaxNs), Count(row.Faulted), Count(row.Canceled),
        }).ToList();
        var lines = FittedTable.Lines(PhaseColumns, rows, width);
        if (rows.Count == 0)
        {
            lines.Add("no phase completed yet");
        }
        lines.Add(FittedTable.Middle($"lost events: {report.Lost}   unfinished: {report.Unfinished.Count}   ends without begin: {report.EndsWithoutBegin}", width));
        return new Text(string.Join('\n', lines));
    }

    /// <summary>One <c>--interval</c> window: what happened in it next to the totals so far.</summary>
    public static IRenderable RenderWindow(PhaseReport report, IReadOnlyList<WindowRow> window, DateTimeOffset end, TimeSpan length, int width)
    {
        var rows = window.Select(w => new[]
        {
            TerminalText.Safe(report.ContainerName(w.Cumulative.Container)), TerminalText.Safe(w.Cumulative.Name), Count(w.Count),
            w.PerSecond.ToString("0.0", CultureInfo.InvariantCulture),
            w.Count > 0 ? DurationText.Format(w.P50Ns) : "-", w.Count > 0 ? DurationText.Format(w.P99Ns) : "-",
            Count(w.Cumulative.Count), DurationText.Format(w.Cumulative.P50Ns), DurationText.Format(w.Cumulative.P99Ns), Count(w.Faulted), Count(w.Canceled),
        }).ToList();
        var lines = new List<string> { FittedTable.Middle($"window ending {end.ToUniversalTime():HH:mm:ss} UTC ({length.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s): n, /s, p50, p99 in the window; count, p50 all, p99 all since the attach", width) };
        lines.AddRange(FittedTable.Lines(WindowColumns, rows, width));
        return new Text(string.Join('\n', lines) + "\n");
    }

    private static string Count(long value) => value.ToString(CultureInfo.InvariantCulture);
}
