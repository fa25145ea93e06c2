using System.Globalization;
using System.Text;

namespace Probes.Consumer.Agent;

/// <summary>
/// The Prometheus text exposition format (version 0.0.4) of the agent's metrics: the phase
/// histograms and the agent's own counters, every sample labelled with the node. Label values a
/// target or runtime chose are bounded and escaped (<see cref="LabelValue"/>); numbers are
/// integers, and seconds are written exactly from nanoseconds.
/// </summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";
    public const string PhaseFamily = "probes_phase_duration_seconds";

    public const string MarkCountFamily = "probes_marks_total";
    public const string MarkValueFamily = "probes_mark_value";

    public static string Write(string node, IReadOnlyList<PhaseSeries> series, AgentCounters counters, IReadOnlyList<MarkSeries>? marks = null)
    {
        var output = new StringBuilder(4096 + series.Count * 2048);
        string nodeLabel = Label("node", node);

        Family(output, PhaseFamily, "histogram", "Duration of each completed phase, by phase, status and container (paired and bucketed in the kernel).");
        foreach (PhaseSeries one in series)
        {
            string labels = $"{nodeLabel},{Where(one.Where)},{Label("phase", one.Phase)},{Label("status", one.Status)}";
            ulong cumulative = 0;
            for (int slot = 0; slot < one.Buckets.Length; slot++)
            {
                cumulative += one.Buckets[slot];
                ulong value = slot == one.Buckets.Length - 1 ? one.Count : cumulative;
                output.Append(PhaseFamily).Append("_bucket{").Append(labels).Append(",le=\"").Append(ExportedBuckets.Labels[slot]).Append("\"} ")
                    .Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
            output.Append(PhaseFamily).Append("_sum{").Append(labels).Append("} ").Append(ExportedBuckets.Seconds(one.SumNanoseconds)).Append('\n');
            output.Append(PhaseFamily).Append("_count{").Append(labels).Append("} ").Append(one.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        if (marks is not null)
        {
            WriteMarks(output, nodeLabel, marks);
        }

        Counter(output, nodeLabel, "probes_agent_events_lost_total", "Records the ring buffer had no room for (names, faults and slow phases may be missing).", counters.EventsLost);
        Counter(output, nodeLabel, "probes_agent_phase_begins_evicted_total", "Phase begins never ended that the pending map evicted to make room.", counters.BeginsEvicted);
        Counter(output, nodeLabel, "probes_agent_pending_map_full_total", "Phase begins the kernel's pending map refused.", counters.PendingMapFull);
        Counter(output, nodeLabel, "probes_agent_bucket_map_full_total", "Phases counted without a histogram bucket (histogram map full).", counters.HistogramMapFull);
        Counter(output, nodeLabel, "probes_agent_statistics_map_full_total", "Phases not counted (statistics map full).", counters.StatisticsMapFull);
        Counter(output, nodeLabel, "probes_agent_ends_without_begin_total", "Phase ends whose begin was never seen.", counters.EndsWithoutBegin);
        Gauge(output, nodeLabel, "probes_agent_unattributed_phases", "Phases counted in the kernel under a container or phase no record has named yet (not in the histograms).", counters.UnattributedPhases);
        Gauge(output, nodeLabel, "probes_agent_attached_files", "Distinct files carrying the phase probes the agent is attached to now.", (ulong)counters.AttachedFiles);
        Counter(output, nodeLabel, "probes_agent_rescans_total", "Scans of /proc for new copies of the shim.", counters.Rescans);
        Counter(output, nodeLabel, "probes_agent_expositions_total", "Expositions built from the maps (at most one a second however many scrapes: scrapes in between share one).", counters.Expositions);
        Gauge(output, nodeLabel, "probes_agent_series_overflowed", "Phase series (phase, status, container) past the series bound, added into the overflow series instead.", (ulong)counters.OverflowedSeries);

        if (counters.HookRequests is { } hook)
        {
            Family(output, "probes_agent_hook_requests_total", "counter", "Requests of probes hook (OCI hook) by result: attached (a new file), served (its file was attached already), none (no shim in the root filesystem), error.");
            foreach ((string result, ulong count) in hook.OrderBy(h => h.Key, StringComparer.Ordinal))
            {
                output.Append("probes_agent_hook_requests_total{").Append(nodeLabel).Append(',').Append(Label("result", result)).Append("} ")
                    .Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }
        if (counters.HookShortcuts is { } shortcuts)
        {
            Family(output, "probes_agent_hook_shortcuts_total", "counter", "Hook requests answered without the slow path: known_path (the shim was at a path it had before, no search), file_look (its inode, size and time are an attached file's, not read again).");
            foreach ((string shortcut, ulong count) in shortcuts.OrderBy(h => h.Key, StringComparer.Ordinal))
            {
                output.Append("probes_agent_hook_shortcuts_total{").Append(nodeLabel).Append(',').Append(Label("shortcut", shortcut)).Append("} ")
                    .Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        if (counters.Otlp is { } otlp)
        {
            Family(output, "probes_otlp_dropped_total", "counter", "What the OTLP export lost: spans (queue full or request failed) and metric data points (request failed; the next request carries their cumulative counts).");
            foreach ((string signal, long count) in new[] { ("metrics", otlp.DroppedDataPoints), ("spans", otlp.DroppedSpans) })
            {
                output.Append("probes_otlp_dropped_total{").Append(nodeLabel).Append(',').Append(Label("signal", signal)).Append("} ")
                    .Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
            Counter(output, nodeLabel, "probes_otlp_export_failures_total", "OTLP export requests (spans or metrics) that failed or timed out.", (ulong)otlp.FailedRequests);
            Counter(output, nodeLabel, "probes_otlp_spans_exported_total", "Spans the OTLP endpoint accepted.", (ulong)otlp.ExportedSpans);
        }

        Family(output, "probes_agent_first_seen_late_total", "counter", "Times the agent attached to a file a container's process already mapped (phases before the attach were missed).");
        foreach ((ContainerLabels where, ulong count) in counters.FirstSeenLate)
        {
            output.Append("probes_agent_first_seen_late_total{").Append(nodeLabel).Append(',').Append(Where(where)).Append("} ")
                .Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        return output.ToString();
    }

    /// <summary>
    /// Marks (<c>Probe.Mark(name, value)</c>): how many per container and name (a counter), and the
    /// last value with the smallest and largest seen (gauges; a mark is a sampled value, such as a
    /// queue length, so its last value is what a gauge means).
    /// </summary>
    private static void WriteMarks(StringBuilder output, string nodeLabel, IReadOnlyList<MarkSeries> marks)
    {
        Family(output, MarkCountFamily, "counter", "Marks (Probe.Mark) fired, by container and mark name.");
        foreach (MarkSeries mark in marks)
        {
            output.Append(MarkCountFamily).Append('{').Append(nodeLabel).Append(',').Append(Where(mark.Where)).Append(',').Append(Label("mark", mark.Name)).Append("} ")
                .Append(mark.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        Family(output, MarkValueFamily, "gauge", "The value of each container's marks of a name: the last one (stat=\"last\"), the smallest and largest since the agent started (min, max).");
        foreach (MarkSeries mark in marks)
        {
            string labels = $"{nodeLabel},{Where(mark.Where)},{Label("mark", mark.Name)}";
            foreach ((string stat, long value) in new[] { ("last", mark.Last), ("min", mark.Min), ("max", mark.Max) })
            {
                output.Append(MarkValueFamily).Append('{').Append(labels).Append(",stat=\"").Append(stat).Append("\"} ")
                    .Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }
    }

    private static string Where(ContainerLabels where) =>
        $"{Label("container", where.Container)},{Label("container_id", where.ContainerId)},{Label("image", where.Image)},{Label("pod", where.Pod)},{Label("namespace", where.Namespace)}";

    private static string Label(string name, string value)
    {
        var output = new StringBuilder(name.Length + value.Length + 4);
        output.Append(name).Append("=\"");
        LabelValue.AppendEscaped(output, LabelValue.Bound(value));
        return output.Append('"').ToString();
    }

    private static void Family(StringBuilder output, string name, string type, string help) =>
        output.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n').Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Counter(StringBuilder output, string nodeLabel, string name, string help, ulong value) => Single(output, nodeLabel, name, "counter", help, value);

    private static void Gauge(StringBuilder output, string nodeLabel, string name, string help, ulong value) => Single(output, nodeLabel, name, "gauge", help, value);

    private static void Single(StringBuilder output, string nodeLabel, string name, string type, string help, ulong value)
    {
        Family(output, name, type, help);
        output.Append(name).Append('{').Append(nodeLabel).Append("} ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }
}
