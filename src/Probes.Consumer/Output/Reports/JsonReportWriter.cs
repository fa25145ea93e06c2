using System.Text.Json;
using Probes.Consumer.Phases;

namespace Probes.Consumer.Output.Reports;

/// <summary>
/// <c>--format json</c>: one object with <c>phases</c> (per container and phase) and the counts
/// of what could not be measured. Field names are snake_case and durations are integer
/// nanoseconds, so scripts never parse units.
/// </summary>
public static class JsonReportWriter
{
    public static void Write(PhaseReport report, Stream output)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartArray("phases");
        foreach (PhaseRow row in report.OrderedRows())
        {
            json.WriteStartObject();
            json.WriteString("name", row.Name);
            json.WriteNumber("id", row.Id);
            json.WriteString("container", report.ContainerName(row.Container));
            json.WriteString("container_id", row.Container);
            json.WriteNumber("count", row.Count);
            json.WriteNumber("total_ns", row.TotalNs);
            json.WriteNumber("min_ns", row.MinNs);
            json.WriteNumber("p50_ns", row.P50Ns);
            json.WriteNumber("p90_ns", row.P90Ns);
            json.WriteNumber("p99_ns", row.P99Ns);
            json.WriteNumber("max_ns", row.MaxNs);
            json.WriteNumber("faulted", row.Faulted);
            json.WriteNumber("canceled", row.Canceled);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteNumber("lost", report.Lost);
        json.WriteNumber("unfinished", report.Unfinished.Count);
        json.WriteNumber("ends_without_begin", report.EndsWithoutBegin);
        json.WriteNumber("dropped_begins", report.DroppedBegins);
        json.WriteNumber("not_tabulated", report.NotTabulated);
        json.WriteStartArray("unfinished_phases");
        foreach (UnfinishedPhase open in report.Unfinished)
        {
            json.WriteStartObject();
            json.WriteString("name", open.Name);
            json.WriteNumber("id", open.PhaseId);
            json.WriteString("container", report.ContainerName(open.Container));
            json.WriteNumber("pid", open.Pid);
            json.WriteNumber("span", open.SpanId);
            json.WriteNumber("parent", open.ParentSpanId);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("marks");
        foreach (MarkRow mark in report.Marks ?? [])
        {
            json.WriteStartObject();
            json.WriteString("name", mark.Name);
            json.WriteNumber("id", mark.Id);
            json.WriteString("container", report.ContainerName(mark.Container));
            json.WriteString("container_id", mark.Container);
            json.WriteNumber("count", mark.Count);
            json.WriteNumber("last", mark.Last);
            json.WriteNumber("min", mark.Min);
            json.WriteNumber("max", mark.Max);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteString("pairing", report.Kernel is null ? "user" : "kernel");
        if (report.Kernel is { } kernel)
        {
            json.WriteNumber("evicted_begins", kernel.Evicted);
            json.WriteNumber("pending_map_full", kernel.PendingFull);
            json.WriteNumber("histogram_map_full", kernel.HistogramFull);
            json.WriteNumber("statistics_map_full", kernel.StatisticsFull);
            json.WriteNumber("unattributed", kernel.Unattributed);
        }
        json.WriteEndObject();
        json.Flush();
        output.WriteByte((byte)'\n');
    }
}
