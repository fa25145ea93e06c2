using System.Text.Json;
using Probes.Consumer.Output.Reports;
using Probes.Consumer.Phases;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Output;

[TestClass]
public sealed class ChromeTraceTests
{
    [TestMethod]
    public void Fan_out_trace_matches_its_golden_file()
    {
        string trace = Indented(FanOutTrace.Write());
        string golden = FanOutTrace.GoldenPath();
        if (Environment.GetEnvironmentVariable("PROBES_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(golden, trace);
        }
        Assert.IsTrue(File.Exists(golden), $"{golden} is missing: run with PROBES_UPDATE_GOLDEN=1 to write it, then review it");
        Assert.AreEqual(File.ReadAllText(golden), trace, "the fan-out trace changed: review it, then PROBES_UPDATE_GOLDEN=1 rewrites the golden file");
        ChromeTraceValidator.Validate(File.ReadAllText(golden));
    }

    [TestMethod]
    public void Every_slice_is_drawn_under_its_parent_with_a_flow_from_it()
    {
        ValidatedTrace trace = ChromeTraceValidator.Validate(FanOutTrace.Write());
        (List<CompletedPhase> phases, IReadOnlyList<UnfinishedPhase> unfinished, _) = FanOutTrace.Events();
        Assert.AreEqual(phases.Count + unfinished.Count, trace.Slices.Count);

        AssertDrawnUnderParents(trace);
        var fetches = trace.Slices.Where(s => s.Name == "WarmCaches.Fetch").ToList();
        Assert.AreEqual(3, fetches.Select(f => f.Tid).Distinct().Count(), "three concurrent fetches: three lanes");
        Assert.IsTrue(fetches.All(f => f.Enclosing is null || f.Enclosing.Name == "WarmCaches"), "no fetch is drawn inside a sibling");
        foreach (TraceSlice decode in trace.Slices.Where(s => s.Name == "WarmCaches.Fetch.Decode"))
        {
            TraceSlice fetch = fetches.Single(f => f.Span == decode.Parent);
            Assert.AreSame(fetch, decode.Enclosing, "each child inside its own fetch, never inside a sibling of its parent");
        }
    }

    [TestMethod]
    public void Slices_carry_the_real_threads_and_tracks_name_process_pid_and_container()
    {
        ValidatedTrace trace = ChromeTraceValidator.Validate(FanOutTrace.Write());
        TraceSlice warm = trace.Slices.Single(s => s.Name == "WarmCaches");
        Assert.AreEqual(4100, warm.Args.GetProperty("tid").GetInt32(), "began on the main thread");
        Assert.AreEqual(4101, warm.Args.GetProperty("end_tid").GetInt32(), "ended on a pool thread");
        Assert.AreEqual("Completed", warm.Args.GetProperty("status").GetString());

        Assert.AreEqual("Probes.Sample (pid 4100, web-1)", trace.ProcessNames[4100]);
        Assert.AreEqual("Probes.Sample (pid 4200, web-2)", trace.ProcessNames[4200]);
        foreach (TraceSlice slice in trace.Slices)
        {
            StringAssert.EndsWith(trace.ThreadNames[(slice.Pid, slice.Tid)], $"of {trace.ProcessNames[slice.Pid]}");
        }
        Assert.IsFalse(trace.Slices.Where(s => s.Pid == 4100).Select(s => s.Tid).Intersect(trace.Slices.Where(s => s.Pid == 4200).Select(s => s.Tid)).Any(),
            "no track id is shared by two processes");
    }

    [TestMethod]
    public void Metadata_gives_the_wall_clock_time_of_ts_zero()
    {
        ValidatedTrace trace = ChromeTraceValidator.Validate(FanOutTrace.Write());
        JsonElement metadata = trace.Metadata!.Value;
        // The first event: web-1's Startup began 1,001,000 ns after monotonic zero.
        DateTimeOffset expected = FanOutTrace.MonotonicZero.AddTicks(1_001_000 / 100);
        Assert.AreEqual(expected, DateTimeOffset.Parse(metadata.GetProperty("clock_origin").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.AreEqual((expected - DateTimeOffset.UnixEpoch).Ticks * 100, metadata.GetProperty("clock_origin_unix_ns").GetInt64());
        Assert.AreEqual(1_001_000ul, metadata.GetProperty("clock_origin_monotonic_ns").GetUInt64());
        Assert.AreEqual(0, trace.Slices.Min(s => s.StartNs));
    }

    [TestMethod]
    public void Marks_are_instants_and_unfinished_phases_say_so()
    {
        ValidatedTrace trace = ChromeTraceValidator.Validate(FanOutTrace.Write());
        JsonElement mark = trace.Instants.Single();
        Assert.AreEqual("RequestsServed", mark.GetProperty("name").GetString());
        Assert.AreEqual("p", mark.GetProperty("s").GetString());
        Assert.AreEqual(94.0, mark.GetProperty("ts").GetDouble(), "95,000 ns after the clock, 1,000 after the first phase");
        Assert.AreEqual(1, mark.GetProperty("args").GetProperty("value").GetInt64());
        Assert.AreEqual(4100, mark.GetProperty("args").GetProperty("tid").GetInt32());

        TraceSlice open = trace.Slices.Single(s => s.Name == "HandleRequest (unfinished)");
        Assert.AreEqual("Unfinished", open.Args.GetProperty("status").GetString());
        Assert.IsFalse(open.Args.TryGetProperty("end_tid", out _), "it has not ended anywhere");
        Assert.AreEqual((long)(FanOutTrace.TraceEndNs - 1_001_000), open.EndNs, "runs to the end of the trace");
    }

    [TestMethod]
    public void A_child_that_outlives_its_parent_goes_on_the_lane_below_it()
    {
        // Fire-and-forget: Request spawns Flush, which ends after Request.
        ValidatedTrace trace = Trace([Phase(1, 0, "Request", 0, 100), Phase(2, 1, "Flush", 50, 200), Phase(3, 0, "Next", 150, 180)]);
        AssertDrawnUnderParents(trace);
        TraceSlice request = trace.Slices.Single(s => s.Name == "Request"), flush = trace.Slices.Single(s => s.Name == "Flush");
        Assert.AreEqual(request.Tid + 1, flush.Tid);
        Assert.AreNotEqual(flush.Tid, trace.Slices.Single(s => s.Name == "Next").Tid, "a later root stays out of Request's group while Flush runs");
    }

    [TestMethod]
    public void Random_forests_lay_out_validly_and_under_their_parents()
    {
        var random = new Random(18);
        for (int round = 0; round < 200; round++)
        {
            var phases = new List<CompletedPhase>();
            int count = random.Next(1, 40);
            for (int i = 1; i <= count; i++)
            {
                // Parents start no later than their children; times collide often (a coarse grid) to test the ties.
                int parent = i == 1 || random.Next(4) == 0 ? 0 : random.Next(1, i);
                ulong start = parent == 0 ? (ulong)random.Next(0, 20) * 10 : phases[parent - 1].StartNs + (ulong)random.Next(0, 5) * 10;
                phases.Add(Phase((ulong)i, (ulong)parent, $"P{i % 5}", start, start + (ulong)random.Next(0, 12) * 10));
            }
            AssertDrawnUnderParents(Trace(phases));
        }
    }

    [TestMethod]
    public void Nesting_a_hundred_thousand_deep_or_wide_neither_overflows_nor_crawls()
    {
        const int n = 100_000;
        var deep = Enumerable.Range(1, n).Select(i => Phase((ulong)i, (ulong)(i - 1), "Deep", (ulong)i, (ulong)(3 * n - i))).ToList();
        var wide = Enumerable.Range(1, n).Select(i => Phase((ulong)i, 0, "Request", (ulong)i * 10, (ulong)i * 10 + 5)).ToList();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        TimelineLayout.Place(deep.Select(Slice), out int deepLanes);
        TimelineLayout.Place(wide.Select(Slice), out int wideLanes);
        Assert.AreEqual(1, deepLanes, "each strictly inside its parent: one lane");
        Assert.AreEqual(1, wideLanes, "one after another: one lane");
        Assert.IsTrue(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");

        static TimelineSlice Slice(CompletedPhase p) => new(p.Pid, p.Name, p.PhaseId, p.SpanId, p.ParentSpanId, p.StartNs, p.EndNs, p.BeginTid, p.EndTid, "Completed");
    }

    /// <summary>
    /// Parents come first on their own track or above, with a flow to each child; and the region a
    /// phase's family spans (its lanes and its time, to the end of its last descendant) holds no
    /// slice outside that family, so a child is never drawn under another phase.
    /// </summary>
    internal static void AssertDrawnUnderParents(ValidatedTrace trace)
    {
        var bySpan = trace.Slices.GroupBy(s => (s.Pid, s.Span)).ToDictionary(g => g.Key, g => g.ToList());
        TraceSlice? ParentOf(TraceSlice s) => s.Parent != 0 && bySpan.TryGetValue((s.Pid, s.Parent), out var candidates)
            ? candidates.Where(c => c.StartNs <= s.StartNs && c != s).OrderByDescending(c => c.StartNs).FirstOrDefault()
            : null;
        var parentOf = new Dictionary<TraceSlice, TraceSlice?>(ReferenceEqualityComparer.Instance);
        foreach (TraceSlice slice in trace.Slices)
        {
            parentOf[slice] = ParentOf(slice);
        }
        bool IsAncestor(TraceSlice a, TraceSlice d)
        {
            for (TraceSlice? p = parentOf[d]; p is not null; p = parentOf[p])
            {
                if (ReferenceEquals(p, a))
                {
                    return true;
                }
            }
            return false;
        }

        foreach (TraceSlice child in trace.Slices)
        {
            if (parentOf[child] is not { } parent)
            {
                continue;
            }
            Assert.IsTrue(child.Tid >= parent.Tid, $"{child.Name} (span {child.Span}) is drawn above its parent {parent.Name}");
            Assert.IsTrue(trace.Flows.Any(f => ReferenceEquals(f.From, parent) && ReferenceEquals(f.To, child)), $"no flow from {parent.Name} (span {parent.Span}) to {child.Name} (span {child.Span})");
        }
        Assert.AreEqual(parentOf.Values.Count(p => p is not null), trace.Flows.Count, "one flow per child, no other");

        foreach (TraceSlice root in trace.Slices)
        {
            var family = trace.Slices.Where(s => ReferenceEquals(s, root) || IsAncestor(root, s)).ToList();
            long end = family.Max(s => s.EndNs);
            int top = family.Min(s => s.Tid), bottom = family.Max(s => s.Tid);
            foreach (TraceSlice intruder in trace.Slices.Where(s => s.Pid == root.Pid && s.Tid >= top && s.Tid <= bottom
                && s.StartNs <= end && root.StartNs <= s.EndNs && !family.Contains(s) && !IsAncestor(s, root)))
            {
                Assert.Fail($"{intruder.Name} (span {intruder.Span}) is drawn inside the group of {root.Name} (span {root.Span})");
            }
        }
    }

    private static CompletedPhase Phase(ulong span, ulong parent, string name, ulong start, ulong end) =>
        new("", 7, 7, 1, name, span, parent, start, end, PhaseStatus.Completed, 8);

    private static ValidatedTrace Trace(IReadOnlyList<CompletedPhase> phases)
    {
        using var stream = new MemoryStream();
        ChromeTraceWriter.Write(phases, [], [], phases.Max(p => p.EndNs), pid => $"p (pid {pid})", _ => DateTimeOffset.UnixEpoch, stream);
        return ChromeTraceValidator.Validate(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static string Indented(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return JsonSerializer.Serialize(document.RootElement, IndentedOptions) + "\n";
    }

    private static readonly JsonSerializerOptions IndentedOptions = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
