using Probes.Consumer.Output.Json;
using Probes.Consumer.Phases;

namespace Probes.Consumer.Output.Reports;

/// <summary>
/// <c>--format chrome</c>: Chrome trace event JSON (opens in Perfetto, chrome://tracing and
/// speedscope). Each process is one group of tracks ("lanes"), laid out by parent links
/// (<see cref="TimelineLayout"/>); each phase is a complete ("X") slice whose args carry its
/// span, parent, status and the real threads it began and ended on; a flow arrow (v1 "s"/"f")
/// runs from each parent to each child; marks are process-scoped instants ("i"); a phase still
/// open at the end runs to the end of the trace and says "(unfinished)". <c>ts</c> 0 is the
/// first event, and <c>metadata.clock_origin</c> is its wall-clock time.
/// </summary>
public static class ChromeTraceWriter
{
    private const string FlowCategory = "phase";
    private const string FlowName = "parent";

    public static void Write(
        IReadOnlyList<CompletedPhase> phases,
        IReadOnlyList<UnfinishedPhase> unfinished,
        IReadOnlyList<MarkEvent> marks,
        ulong traceEndNs,
        Func<int, string> processLabel,
        Func<ulong, DateTimeOffset> wallClock,
        Stream output,
        long phasesNotKept = 0)
    {
        IEnumerable<TimelineSlice> slices = phases
            .Select(p => new TimelineSlice(p.Pid, p.Name, p.PhaseId, p.SpanId, p.ParentSpanId, p.StartNs, p.EndNs, p.BeginTid, p.EndTid, p.Status.ToString()))
            .Concat(unfinished.Select(u => new TimelineSlice(u.Pid, $"{u.Name} (unfinished)", u.PhaseId, u.SpanId, u.ParentSpanId, u.StartNs, Math.Max(traceEndNs, u.StartNs), u.BeginTid, null, "Unfinished")));
        List<TimelineSlice> all = slices.ToList();
        ulong origin = all.Select(s => s.StartNs).Concat(marks.Select(m => m.TimestampNs)).DefaultIfEmpty(traceEndNs).Min();
        double Ts(ulong ns) => (ns - origin) / 1000.0;

        var events = new List<ChromeEventJson>();
        ILookup<int, MarkEvent> marksByPid = marks.ToLookup(m => m.Pid);
        ILookup<int, TimelineSlice> slicesByPid = all.ToLookup(s => s.Pid);
        int nextTid = 1; // lanes are numbered across the trace, so no two processes share a track id
        long nextFlow = 1;
        foreach (int pid in all.Select(s => s.Pid).Concat(marks.Select(m => m.Pid)).Distinct().Order())
        {
            string label = processLabel(pid);
            events.Add(Metadata("process_name", pid, 0, label));
            IReadOnlyList<PlacedSlice> placed = TimelineLayout.Place(slicesByPid[pid], out int lanes);
            int firstTid = nextTid;
            nextTid += Math.Max(lanes, 1);
            for (int lane = 0; lane < Math.Max(lanes, 1); lane++)
            {
                events.Add(Metadata("thread_name", pid, firstTid + lane, $"lane {lane + 1} of {label}"));
            }

            // Flows leave a parent at its start and reach a child at the child's start; Perfetto binds
            // each to the slice on top of that lane then, which the layout makes the right one.
            var flowsOut = placed.Where(p => p.Parent is not null).ToLookup(p => p.Parent!, ReferenceEqualityComparer.Instance);
            var flowOf = new Dictionary<PlacedSlice, long>(ReferenceEqualityComparer.Instance);
            foreach (PlacedSlice slice in placed)
            {
                TimelineSlice s = slice.Slice;
                int tid = firstTid + slice.Lane;
                events.Add(new ChromeEventJson
                {
                    Ph = "X", Cat = "phase", Name = s.Name, Pid = pid, Tid = tid, Ts = Ts(s.StartNs), Dur = (s.EndNs - s.StartNs) / 1000.0,
                    Args = new ChromeArgsJson { Id = s.Id, Span = s.Span, Parent = s.Parent, Status = s.Status, Tid = s.BeginTid, EndTid = s.EndTid },
                });
                if (slice.Parent is not null)
                {
                    events.Add(Flow("f", pid, tid, s.StartNs, flowOf[slice]) with { Bp = "e" });
                }
                foreach (PlacedSlice child in flowsOut[slice])
                {
                    flowOf[child] = nextFlow;
                    events.Add(Flow("s", pid, tid, s.StartNs, nextFlow++));
                }
            }
            foreach (MarkEvent mark in marksByPid[pid].OrderBy(m => m.TimestampNs))
            {
                events.Add(new ChromeEventJson
                {
                    Ph = "i", S = "p", Cat = "mark", Name = mark.Name, Pid = pid, Tid = firstTid, Ts = Ts(mark.TimestampNs),
                    Args = new ChromeArgsJson { Id = mark.MarkId, Value = mark.Value, Tid = mark.Tid },
                });
            }

            ChromeEventJson Flow(string ph, int flowPid, int tid, ulong ns, long id) =>
                new() { Ph = ph, Cat = FlowCategory, Name = FlowName, Pid = flowPid, Tid = tid, Ts = Ts(ns), Id = id };
        }

        DateTimeOffset wall = wallClock(origin);
        var metadata = new ChromeTraceMetadataJson(wall.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            (wall - DateTimeOffset.UnixEpoch).Ticks * 100, origin, "CLOCK_MONOTONIC (bpf_ktime_get_ns)", phasesNotKept);
        OutputJson.Write(output, new ChromeTraceJson("ns", metadata, events), OutputJsonContext.Default.ChromeTraceJson, indented: false);
    }

    private static ChromeEventJson Metadata(string kind, int pid, int tid, string value) =>
        new() { Ph = "M", Name = kind, Pid = pid, Tid = tid, Args = new ChromeArgsJson { Name = value } };
}
