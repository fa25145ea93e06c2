using Probes.Consumer.Output.Json;
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
        var events = new List<ChromeEventJson>();
        var slices = phases.Select(p => new Slice(p.Pid, p.Name, p.PhaseId, p.SpanId, p.ParentSpanId, p.StartNs, p.EndNs, p.Status.ToString()))
            .Concat(unfinished.Select(u => new Slice(u.Pid, u.Name, u.PhaseId, u.SpanId, u.ParentSpanId, u.StartNs, Math.Max(traceEndNs, u.StartNs), "Unfinished")));
        foreach (IGrouping<int, Slice> process in slices.GroupBy(s => s.Pid).OrderBy(g => g.Key))
        {
            events.Add(Metadata("process_name", process.Key, 0, processLabel(process.Key)));
            int lanes = 0;
            foreach ((Slice slice, int lane) in AssignLanes(process))
            {
                if (lane >= lanes)
                {
                    lanes = lane + 1;
                    events.Add(Metadata("thread_name", process.Key, lane + 1, lane == 0 ? "phases" : $"phases ({lane + 1})"));
                }
                events.Add(new ChromeEventJson("X", "phase", slice.Name, slice.Pid, lane + 1, (slice.StartNs - origin) / 1000.0, (slice.EndNs - slice.StartNs) / 1000.0,
                    new ChromeArgsJson(null, slice.Id, slice.Span, slice.Parent, slice.Status)));
            }
        }
        OutputJson.Write(output, new ChromeTraceJson("ns", events), OutputJsonContext.Default.ChromeTraceJson, indented: false);
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

    private static ChromeEventJson Metadata(string kind, int pid, int tid, string value) => new("M", null, kind, pid, tid, null, null, new ChromeArgsJson(value));
}
