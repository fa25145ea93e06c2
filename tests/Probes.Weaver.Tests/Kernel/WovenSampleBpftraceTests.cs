using System.Globalization;
using Probes.Weaver.Tests.Sample;

namespace Probes.Weaver.Tests.Kernel;

/// <summary>
/// The woven sample under bpftrace: the phases declared with [ProbePhase] fire as real USDT
/// probes with the right nesting and statuses, including async phases that end on another
/// thread and a phase that throws.
/// </summary>
[TestClass]
[TestCategory("Kernel")]
[DoNotParallelize]
public sealed class WovenSampleBpftraceTests
{
    private const int Requests = 4;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private sealed record Event(char Kind, uint Id, string Name, ulong Span, long Extra, int Tid, ulong Ns);

    [TestMethod]
    public void Bpftrace_sees_the_woven_phases_nested_with_statuses_across_threads()
    {
        string bpftrace = Requirements.RootWithBpftrace();
        string shim = SampleProgram.Service.Shim;
        // bpftrace 0.17 raises a semaphore before its program is on the site: the sample gives it 200 ms.
        using LiveProcess sample = SampleProgram.Service.Start("--wait-for-tracer", "60", "--settle-ms", "200", "--requests", $"{Requests}", "--interval-ms", "5");
        string script =
            $"usdt:{shim}:probes:phase_begin {{ printf(\"B %u %s %lu %lu %d %lu\\n\", arg0, str(arg1), arg2, arg3, tid, nsecs); }}\n" +
            $"usdt:{shim}:probes:phase_end {{ printf(\"E %u %s %lu %d %d %lu\\n\", arg0, str(arg1), arg2, (int32)arg3, tid, nsecs); }}\n" +
            $"usdt:{shim}:probes:mark /arg2 == {Requests}/ {{ exit(); }}\n";
        ProcessResult traced = Bpftrace.TraceUntilExit(bpftrace, sample.Pid, script, Timeout);
        Assert.IsTrue(sample.ExitsWithin(Timeout), "the sample did not finish");
        Assert.AreEqual(0, sample.ExitCode, "the traced sample failed");

        List<Event> events = Parse(traced.Stdout);
        List<Event> begins = events.Where(e => e.Kind == 'B').ToList();
        Dictionary<ulong, Event> ends = events.Where(e => e.Kind == 'E').ToDictionary(e => e.Span);
        Dictionary<ulong, Event> bySpan = begins.ToDictionary(b => b.Span);
        CollectionAssert.IsSubsetOf(WovenSample.AttributePhases, begins.Select(b => b.Name).Distinct().ToList(), traced.Stdout);

        // Every begin has its end: same id and name, and ids are the names' hashes.
        foreach (Event begin in begins)
        {
            Assert.AreEqual(PhaseId.Of(begin.Name), begin.Id, $"id of {begin.Name}");
            Assert.IsTrue(ends.TryGetValue(begin.Span, out Event? end), $"{begin.Name} span {begin.Span} never ended");
            Assert.AreEqual((begin.Id, begin.Name), (end.Id, end.Name));
        }
        Assert.HasCount(begins.Count, ends);

        string ParentName(Event child) => child.Extra == 0 ? "(root)" : bySpan[(ulong)child.Extra].Name;
        var expectedParents = new Dictionary<string, string>
        {
            ["Startup"] = "(root)",
            ["LoadConfig"] = "Startup",
            ["WarmCaches"] = "Startup",
            ["WarmCaches.Fetch"] = "WarmCaches",
            ["ConnectDatabase"] = "Startup",
            ["HandleRequest"] = "(root)",
            ["Query"] = "HandleRequest",
            ["Render"] = "HandleRequest",
        };
        foreach (Event begin in begins)
        {
            Assert.AreEqual(expectedParents[begin.Name], ParentName(begin), $"parent of {begin.Name} (span {begin.Span})");
            if (begin.Extra != 0)
            {
                // Nested in time too: a child ends no later than its parent (kernel clock).
                Assert.IsLessThanOrEqualTo(ends[(ulong)begin.Extra].Ns, ends[begin.Span].Ns, $"{begin.Name} ended after its parent");
            }
        }

        // Async phases end where their operation completed: Fetch resumes on pool threads.
        Assert.IsTrue(begins.Where(b => b.Name == "WarmCaches.Fetch").Any(b => ends[b.Span].Tid != b.Tid),
            "no WarmCaches.Fetch phase ended on another thread than it began");

        // The fourth query throws out of the woven method: faulted; everything else completed.
        List<Event> queryEnds = begins.Where(b => b.Name == "Query").Select(b => ends[b.Span]).ToList();
        Assert.HasCount(Requests, queryEnds);
        Assert.AreEqual(1, queryEnds.Count(e => e.Extra == (long)PhaseStatus.Faulted));
        Assert.IsTrue(ends.Values.Where(e => e.Name != "Query").All(e => e.Extra == (long)PhaseStatus.Completed),
            "a phase other than the throwing Query did not complete");
    }

    private static List<Event> Parse(string output)
    {
        var events = new List<Event>();
        CultureInfo c = CultureInfo.InvariantCulture;
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split(' ');
            if (f.Length == 7 && f[0] is "B" or "E")
            {
                events.Add(new Event(f[0][0], uint.Parse(f[1], c), f[2], ulong.Parse(f[3], c), long.Parse(f[4], c), int.Parse(f[5], c), ulong.Parse(f[6], c)));
            }
        }
        Assert.AreNotEqual(0, events.Count, $"bpftrace printed no phase events:\n{output}");
        return events;
    }
}
