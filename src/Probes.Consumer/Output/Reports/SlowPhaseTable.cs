using System.Globalization;
using System.Text;
using Probes.Consumer.Output.Tables;
using Probes.Consumer.Phases;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Probes.Consumer.Output.Reports;

/// <summary>
/// The "slow phases (&gt;= X)" section after the phases table (<c>--slow</c>): the slowest
/// instances first, at most <see cref="MaxPrintedRows"/> of them, then how many more there were.
/// </summary>
public static class SlowPhaseTable
{
    /// <summary>A screenful; the JSON report carries every kept instance.</summary>
    public const int MaxPrintedRows = 20;

    public static IRenderable Render(PhaseReport report, SlowPhaseReport slow)
    {
        string title = $"slow phases (>= {DurationText.Format(slow.ThresholdNs)}): {slow.Count} {(slow.Count == 1 ? "instance" : "instances")}";
        if (slow.Instances.Count == 0)
        {
            return new Text(title);
        }
        Table table = ProbesTable.Create(["duration", "container", "phase", "parents", "pid", "tid", "span", "parent", "status", "started (UTC)"]);
        foreach (SlowPhaseInstance instance in slow.Instances.Take(MaxPrintedRows))
        {
            SlowPhase phase = instance.Phase;
            table.AddRow(
                ProbesTable.Plain(DurationText.Format(phase.DurationNs)),
                // Names and the parents' names come from the traced side.
                ProbesTable.Untrusted(report.ContainerName(phase.Container)),
                ProbesTable.Untrusted(phase.Name),
                ProbesTable.Untrusted(instance.ParentChain.Count == 0 ? "-" : string.Join(" > ", instance.ParentChain)),
                ProbesTable.Plain(Number(phase.Pid)),
                ProbesTable.Plain(Number(phase.EndTid)),
                ProbesTable.Plain(phase.SpanId.ToString(CultureInfo.InvariantCulture)),
                ProbesTable.Plain(phase.ParentSpanId.ToString(CultureInfo.InvariantCulture)),
                ProbesTable.Plain(Status(phase.Status)),
                ProbesTable.Plain(Timestamp(instance.StartedAt)));
        }
        long more = slow.Count - Math.Min(slow.Instances.Count, MaxPrintedRows);
        return more == 0
            ? new Rows(new Text(title), table)
            : new Rows(new Text(title), table, new Text($"and {more} more{(slow.Count > slow.Instances.Count ? $" (the JSON report lists the slowest {slow.Instances.Count})" : " (in the JSON report)")}"));
    }

    /// <summary>The section alone as plain text: what follows a live table that is already on screen.</summary>
    public static byte[] Text(PhaseReport report, SlowPhaseReport slow)
    {
        using var writer = new StringWriter();
        OutputTerminal.Create(writer, isTerminal: false).Write(Render(report, slow));
        return Encoding.UTF8.GetBytes(writer.ToString());
    }

    public static string Status(PhaseStatus status) => status switch
    {
        PhaseStatus.Completed => "completed",
        PhaseStatus.Faulted => "faulted",
        PhaseStatus.Canceled => "canceled",
        _ => $"status {(int)status}",
    };

    /// <summary>ISO 8601 in UTC to the microsecond (the clocks' pairing is good to about that).</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
