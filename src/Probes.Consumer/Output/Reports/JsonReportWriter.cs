using Probes.Consumer.Output.Json;
using Probes.Consumer.Phases;

namespace Probes.Consumer.Output.Reports;

/// <summary>
/// <c>--format json</c>: one object with <c>phases</c> (per container and phase) and the counts
/// of what could not be measured (<see cref="PhaseReportJson"/>).
/// </summary>
public static class JsonReportWriter
{
    public static void Write(PhaseReport report, Stream output) => OutputJson.Write(output, Contract(report), OutputJsonContext.Default.PhaseReportJson);

    public static PhaseReportJson Contract(PhaseReport report) => new(
        report.OrderedRows().Select(row => new PhaseRowJson(
            row.Name, row.Id, report.ContainerName(row.Container), row.Container, row.Count,
            row.TotalNs, row.MinNs, row.P50Ns, row.P90Ns, row.P99Ns, row.MaxNs, row.Faulted, row.Canceled)).ToList(),
        report.Lost,
        report.Unfinished.Count,
        report.EndsWithoutBegin,
        report.DroppedBegins,
        report.NotTabulated,
        report.Unfinished.Select(open => new UnfinishedPhaseJson(
            open.Name, open.PhaseId, report.ContainerName(open.Container), open.Pid, open.SpanId, open.ParentSpanId)).ToList(),
        (report.Marks ?? []).Select(mark => new MarkRowJson(
            mark.Name, mark.Id, report.ContainerName(mark.Container), mark.Container, mark.Count, mark.Last, mark.Min, mark.Max)).ToList(),
        report.Kernel is null ? "user" : "kernel",
        report.Kernel?.Evicted,
        report.Kernel?.PendingFull,
        report.Kernel?.HistogramFull,
        report.Kernel?.StatisticsFull,
        report.Kernel?.Unattributed,
        report.Slow is { } slow ? Slow(report, slow) : null);

    private static SlowPhasesJson Slow(PhaseReport report, SlowPhaseReport slow) =>
        new(slow.ThresholdNs, slow.Count, slow.Instances.Select(instance => Instance(report, instance)).ToList());

    private static SlowPhaseJson Instance(PhaseReport report, SlowPhaseInstance instance)
    {
        SlowPhase phase = instance.Phase;
        return new SlowPhaseJson(
            phase.Name, phase.PhaseId, report.ContainerName(phase.Container), phase.Container, phase.Pid, phase.EndTid, phase.SpanId, phase.ParentSpanId,
            instance.ParentChain, SlowPhaseTable.Status(phase.Status), phase.DurationNs, SlowPhaseTable.Timestamp(instance.StartedAt));
    }
}
