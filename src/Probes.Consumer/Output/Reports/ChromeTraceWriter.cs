using System.Text.Json;
using Probes.Consumer.Phases;

namespace Probes.Consumer.Output.Reports;

/// <summary>
/// <c>--format chrome</c>: Chrome trace event JSON (opens in Perfetto and chrome://tracing).
/// Each process is one group of tracks; each phase is a complete ("X") slice. Slices on one
/// track must nest, but async phases of one process overlap without nesting (three concurrent
/// fetches), so phases are laid out on lanes: a phase goes on the first lane where it nests
/// inside what is open there, which keeps a parent and its sequential children together.
/// </summary>
public static class ChromeTraceWriter
{
    public static void Write(
        IReadOnlyList<CompletedPhase> phases,
        IReadOnlyList<UnfinishedPhase> unfinished,
        ulong traceEndNs,
        Func<int, string> processLabel,
        Stream output)
    {
        ulong origin = phases.Select(p => p.StartNs).Concat(unfinished.Select(u => u.StartNs)).DefaultIfEmpty(traceEndNs).Min();
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false });
        json.WriteStartObject();
        json.WriteString("displayTimeUnit", "ns");
        json.WriteStartArray("traceEvents");

        var slices = phases.Select(p => new Slice(p.Pid, p.Name, p.PhaseId, p.SpanId, p.ParentSpanId, p.StartNs, p.EndNs, p.Status.ToString()))
            .Concat(unfinished.Select(u => new Slice(u.Pid, u.Name, u.PhaseId, u.SpanId, u.ParentSpanId, u.StartNs, Math.Max(traceEndNs, u.StartNs), "Unfinished")));
        foreach (IGrouping<int, Slice> process in slices.GroupBy(s => s.Pid).OrderBy(g => g.Key))
        {
            WriteMetadata(json, "process_name", process.Key, 0, processLabel(process.Key));
            int lanes = 0;
            foreach ((Slice slice, int lane) in AssignLanes(process))
            {
                if (lane >= lanes)
                {
                    lanes = lane + 1;
                    WriteMetadata(json, "thread_name", process.Key, lane + 1, lane == 0 ? "phases" : $"phases ({lane + 1})");
                }
                json.WriteStartObject();
                json.WriteString("ph", "X");
                json.WriteString("cat", "phase");
                json.WriteString("name", slice.Name);
                json.WriteNumber("pid", slice.Pid);
                json.WriteNumber("tid", lane + 1);
                json.WriteNumber("ts", (slice.StartNs - origin) / 1000.0);
                json.WriteNumber("dur", (slice.EndNs - slice.StartNs) / 1000.0);
                json.WriteStartObject("args");
                json.WriteNumber("id", slice.Id);
                json.WriteNumber("span", slice.Span);
                json.WriteNumber("parent", slice.Parent);
                json.WriteString("status", slice.Status);
                json.WriteEndObject();
                json.WriteEndObject();
            }
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private sealed record Slice(int Pid, string Name, uint Id, ulong Span, ulong Parent, ulong StartNs, ulong EndNs, string Status);

    /// <summary>Greedy lane assignment; parents sort before children that start at the same instant.</summary>
    private static IEnumerable<(Slice, int)> AssignLanes(IEnumerable<Slice> slices)
    {
        var open = new List<Stack<Slice>>();
        foreach (Slice slice in slices.OrderBy(s => s.StartNs).ThenByDescending(s => s.EndNs))
        {
            int lane = 0;
            for (; lane < open.Count; lane++)
            {
                Stack<Slice> stack = open[lane];
                while (stack.Count > 0 && stack.Peek().EndNs <= slice.StartNs)
                {
                    stack.Pop();
                }
                if (stack.Count == 0 || stack.Peek().EndNs >= slice.EndNs)
                {
                    break;
                }
            }
            if (lane == open.Count)
            {
                open.Add(new Stack<Slice>());
            }
            open[lane].Push(slice);
            yield return (slice, lane);
        }
    }

    private static void WriteMetadata(Utf8JsonWriter json, string kind, int pid, int tid, string value)
    {
        json.WriteStartObject();
        json.WriteString("ph", "M");
        json.WriteString("name", kind);
        json.WriteNumber("pid", pid);
        json.WriteNumber("tid", tid);
        json.WriteStartObject("args");
        json.WriteString("name", value);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
