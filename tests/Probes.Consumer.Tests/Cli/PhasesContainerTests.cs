using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// The headline: `probes phases --image` attached first, containers of the image started
/// after, their startup measured from the first probe, attributed per container, and the
/// durations equal to what each process measured itself with a Stopwatch.
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Container")]
[DoNotParallelize]
public sealed partial class PhasesContainerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private const int Requests = 4;

    [TestMethod]
    public void Containers_started_after_the_attach_are_measured_per_container_and_agree_with_their_own_stopwatch()
    {
        string podman = Requirements.RootWithPodman();
        string image = SampleImage.Build();
        string[] names = [$"probes-ph-a-{Environment.ProcessId}", $"probes-ph-b-{Environment.ProcessId}"];
        string report = Path.Combine(TestPaths.ScratchDirectory, "phases.json");
        try
        {
            using LiveProcess tracer = TraceContainersOfImage(podman, image, names, ["--format", "json", "--output", report]);
            StringAssert.Contains(tracer.Stderr[^1], "0 events lost, 0 unfinished, 0 ended without a seen begin");

            using JsonDocument json = JsonDocument.Parse(File.ReadAllText(report));
            Assert.AreEqual(0, json.RootElement.GetProperty("lost").GetInt64());
            var rows = json.RootElement.GetProperty("phases").EnumerateArray().ToList();
            foreach (string name in names)
            {
                JsonElement Row(string phase) => rows.Single(r => r.GetProperty("container").GetString() == name && r.GetProperty("name").GetString() == phase);

                // Startup phases ran before anything else in a process that started after the attach.
                foreach (string phase in new[] { "Startup", "LoadConfig", "WarmCaches", "ConnectDatabase" })
                {
                    Assert.AreEqual(1, Row(phase).GetProperty("count").GetInt64(), $"{name} {phase}");
                }
                Assert.AreEqual(3, Row("WarmCaches.Fetch").GetProperty("count").GetInt64());
                Assert.AreEqual(Requests, Row("HandleRequest").GetProperty("count").GetInt64());
                Assert.AreEqual(1, Row("Query").GetProperty("faulted").GetInt64(), "every 4th query faults");
                Assert.AreEqual(0x885eaf4cu, Row("HandleRequest").GetProperty("id").GetUInt32(), "FNV-1a of HandleRequest");

                string logs = ProcessRunner.Run(podman, ["logs", name], Timeout).EnsureSuccess("podman logs").Stdout;
                Assert.AreEqual(SelfReport().Matches(logs).Count, rows.Where(r => r.GetProperty("container").GetString() == name).Sum(r => r.GetProperty("count").GetInt64()),
                    "every phase the container reported about itself is counted");
            }
        }
        finally
        {
            ProcessRunner.Run(podman, ["rm", "--force", "--ignore", "-t", "0", .. names], Timeout);
        }
    }

    [TestMethod]
    public void Every_phase_instance_agrees_with_the_containers_own_stopwatch()
    {
        string podman = Requirements.RootWithPodman();
        string image = SampleImage.Build();
        string[] names = [$"probes-acc-a-{Environment.ProcessId}", $"probes-acc-b-{Environment.ProcessId}"];
        string trace = Path.Combine(TestPaths.ScratchDirectory, "accuracy.trace.json");
        try
        {
            using LiveProcess tracer = TraceContainersOfImage(podman, image, names, ["--format", "chrome", "--output", trace], oneAtATime: true);

            ChromeTraceValidator.Validate(File.ReadAllText(trace));
            using JsonDocument json = JsonDocument.Parse(File.ReadAllText(trace));
            var events = json.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
            // The process label names the container: "<comm> (pid N, <container>)".
            Dictionary<int, string> containerOfPid = events.Where(e => e.GetProperty("ph").GetString() == "M" && e.GetProperty("name").GetString() == "process_name")
                .ToDictionary(e => e.GetProperty("pid").GetInt32(), e => e.GetProperty("args").GetProperty("name").GetString()!);
            // Per container and phase name, the slices in the order their begin probes fired;
            // the sample numbers its own measurements in the same order (seq).
            var slices = events.Where(e => e.GetProperty("ph").GetString() == "X")
                .GroupBy(e => (Container: containerOfPid[e.GetProperty("pid").GetInt32()], Name: e.GetProperty("name").GetString()!))
                .ToDictionary(g => g.Key, g => g.OrderBy(e => e.GetProperty("ts").GetDouble()).ToList());

            // The sample numbers a phase's measurements in the order its Stopwatches started, which
            // is not always the order of the begin probes when instances of one phase run on several
            // threads (a preemption between the two reorders them). So each measurement is matched to
            // the traced slice nearest it on the shared clock (both CLOCK_MONOTONIC; the trace counts
            // from its first phase), with the origin placed by the phases that run once per process,
            // to within the few microseconds between a Stopwatch reading and its probe.
            var measured = new List<(string Container, string Label, string Phase, long Ns, long Pause, long Start, long Stop)>();
            foreach (string name in names)
            {
                string logs = ProcessRunner.Run(podman, ["logs", name], Timeout).EnsureSuccess("podman logs").Stdout;
                var own = SelfReport().Matches(logs).ToList();
                var container = slices.Keys.Select(k => k.Container).Distinct().Single(c => c.EndsWith($", {name})", StringComparison.Ordinal));
                foreach (IGrouping<string, Match> phase in own.GroupBy(m => m.Groups["phase"].Value))
                {
                    Assert.IsTrue(slices.TryGetValue((container, phase.Key), out var traced), $"{name}: no {phase.Key} in the report");
                    Assert.AreEqual(phase.Count(), traced!.Count, $"{name}: {phase.Key} instances, own vs traced");
                    measured.AddRange(phase.Select(instance =>
                    {
                        long Number(string group) => long.Parse(instance.Groups[group].Value, CultureInfo.InvariantCulture);
                        return (container, $"{name} {phase.Key} #{Number("seq")}", phase.Key, Number("ns"), Number("pause") + Number("jit"), Number("start"), Number("stop"));
                    }));
                }
            }
            static long TracedStart(JsonElement slice) => (long)Math.Round(slice.GetProperty("ts").GetDouble() * 1000);
            static long TracedNs(JsonElement slice) => (long)Math.Round(slice.GetProperty("dur").GetDouble() * 1000);
            var once = measured.Where(m => slices[(m.Container, m.Phase)].Count == 1).Select(m => m.Start - TracedStart(slices[(m.Container, m.Phase)][0])).Order().ToList();
            Assert.IsTrue(once.Count >= 2, "the phases that run once per process place the trace's origin");
            long origin = once[once.Count / 2];
            var instances = new List<Instance>();
            foreach (var group in measured.GroupBy(m => (m.Container, m.Phase)))
            {
                var unmatched = slices[group.Key].ToList();
                foreach (var m in group.OrderBy(m => m.Start))
                {
                    JsonElement slice = unmatched.MinBy(s => Math.Abs(origin + TracedStart(s) - m.Start) + Math.Abs(origin + TracedStart(s) + TracedNs(s) - m.Stop));
                    unmatched.Remove(slice);
                    instances.Add(new Instance(m.Label, m.Ns, m.Pause, m.Start, m.Stop, TracedStart(slice), TracedNs(slice)));
                }
            }

            foreach (Instance instance in instances)
            {
                // The issue's bar: within 5% or 100 µs, whichever is larger. A GC pause during the
                // instance may fall on either side of a probe (the SDK allocates next to the begin
                // probe, outside the traced window), so it widens the bound by its own length; so
                // does the process's compilation during it (a first call's JIT may run between a
                // Stopwatch reading and its probe; the sample's jit_ns says why).
                Assert.IsTrue(instance.Difference <= Math.Max(100_000, instance.OwnNs / 20) + instance.PauseNs,
                    $"{instance.Label}: traced {instance.TracedNs} ns, own {instance.OwnNs} ns, GC pauses and compilation during it {instance.PauseNs} ns; {instance.Placement(origin)}");
            }
            int compared = instances.Count, paused = instances.Count(i => i.PauseNs > 0);
            Instance worstInstance = instances.MaxBy(i => (double)Math.Max(0, i.Difference - i.PauseNs) / i.OwnNs)!;
            double worst = (double)Math.Max(0, worstInstance.Difference - worstInstance.PauseNs) / worstInstance.OwnNs;
            Console.WriteLine($"worst: {worstInstance.Label}: traced {worstInstance.TracedNs} ns, own {worstInstance.OwnNs} ns; {worstInstance.Placement(origin)}");
            Console.WriteLine($"compared {compared} phase instances ({paused} with a GC pause or compilation in them); worst relative difference beyond those {worst:P2}");
            Assert.IsTrue(compared >= 2 * (7 + 3 * Requests), $"only {compared} phase instances were self-reported");
        }
        finally
        {
            ProcessRunner.Run(podman, ["rm", "--force", "--ignore", "-t", "0", .. names], Timeout);
        }
    }

    [TestMethod]
    [DataRow(false, DisplayName = "paired in the kernel")]
    [DataRow(true, DisplayName = "--per-event")]
    public void Twenty_containers_one_after_another_are_each_complete_and_nothing_stays_behind(bool perEvent)
    {
        string podman = Requirements.RootWithPodman();
        string image = SampleImage.Build();
        const string UprobeEvents = "/sys/kernel/tracing/uprobe_events";
        string? tracefsBefore = File.Exists(UprobeEvents) ? File.ReadAllText(UprobeEvents) : null;
        string report = Path.Combine(TestPaths.ScratchDirectory, "churn.json");
        var names = Enumerable.Range(1, 20).Select(i => $"probes-churn-{i}-{Environment.ProcessId}").ToList();
        try
        {
            using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["phases", "--image", image, "--format", "json", "--output", report, .. perEvent ? ["--per-event"] : Array.Empty<string>()]);
            tracer.WaitForStderr("attached", Timeout);
            var own = new Dictionary<string, int>();
            foreach (string name in names)
            {
                ProcessResult run = ProcessRunner.Run(podman, ["--runtime", "runc", "run", "--name", name, "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                    image, "--requests", "2", "--interval-ms", "1", "--self-report"], Timeout).EnsureSuccess($"podman run {name}");
                own[name] = SelfReport().Matches(run.Stdout).Count;
                ProcessRunner.Run(podman, ["rm", "--force", "--ignore", "-t", "0", name], Timeout).EnsureSuccess("podman rm");
            }
            tracer.Signal(Signals.SIGTERM);
            tracer.WaitForExit(Timeout);
            Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));

            using JsonDocument json = JsonDocument.Parse(File.ReadAllText(report));
            Assert.AreEqual(0, json.RootElement.GetProperty("lost").GetInt64());
            Assert.AreEqual(0, json.RootElement.GetProperty("unfinished").GetInt64());
            Assert.AreEqual(0, json.RootElement.GetProperty("ends_without_begin").GetInt64());
            var rows = json.RootElement.GetProperty("phases").EnumerateArray().ToList();
            foreach (string name in names)
            {
                long counted = rows.Where(r => r.GetProperty("container").GetString() == name).Sum(r => r.GetProperty("count").GetInt64());
                Assert.IsTrue(own[name] > 0, $"{name} reported nothing about itself");
                Assert.AreEqual(own[name], counted, $"{name}: the container reported {own[name]} phases about itself, the tracer attributed {counted} to it; "
                    + $"attributed per container: {string.Join(", ", rows.GroupBy(r => r.GetProperty("container").GetString()).Select(g => $"{g.Key}={g.Sum(r => r.GetProperty("count").GetInt64())}"))}");
            }
            if (tracefsBefore is not null)
            {
                Assert.AreEqual(tracefsBefore, File.ReadAllText(UprobeEvents), "tracefs uprobe_events changed");
            }
        }
        finally
        {
            ProcessRunner.Run(podman, ["rm", "--force", "--ignore", "-t", "0", .. names], Timeout);
        }
    }

    [TestMethod]
    public void A_container_gone_before_the_tracer_read_its_events_is_counted_as_itself_or_apart_from_the_host()
    {
        string podman = Requirements.RootWithPodman();
        string image = SampleImage.Build();
        string kept = $"probes-ph-gone-{Environment.ProcessId}", removed = $"probes-ph-rm-{Environment.ProcessId}";
        string report = Path.Combine(TestPaths.ScratchDirectory, "gone.json");
        string others = ProcessRunner.Run(podman, ["ps", "-a", "--filter", $"ancestor={image}", "--format", "{{.Names}}"], Timeout).EnsureSuccess("podman ps").Stdout.Trim();
        Assert.AreEqual("", others, "containers of the test image already exist before the attach");
        try
        {
            using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["phases", "--image", image, "--format", "json", "--output", report]);
            tracer.WaitForStderr("attached", Timeout);
            // A stopped tracer reads nothing: both containers live their whole lives, and one is
            // removed, before their first record is read (what a loaded host did now and then).
            var own = new Dictionary<string, int>();
            tracer.Signal(Signals.SIGSTOP);
            try
            {
                foreach ((string name, string[] options) in new[] { (kept, Array.Empty<string>()), (removed, new[] { "--rm" }) })
                {
                    ProcessResult run = ProcessRunner.Run(podman, ["--runtime", "runc", "run", "--name", name, .. options, "--network", "none", "--ulimit", "nofile=1024:1024",
                        "--ulimit", "nproc=1024:1024", image, "--requests", "2", "--interval-ms", "1", "--self-report"], Timeout).EnsureSuccess($"podman run {name}");
                    own[name] = SelfReport().Matches(run.Stdout).Count;
                }
            }
            finally
            {
                tracer.Signal(Signals.SIGCONT);
            }
            tracer.Signal(Signals.SIGTERM);
            tracer.WaitForExit(Timeout);
            Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));

            using JsonDocument json = JsonDocument.Parse(File.ReadAllText(report));
            var counted = json.RootElement.GetProperty("phases").EnumerateArray()
                .GroupBy(r => r.GetProperty("container").GetString()!).ToDictionary(g => g.Key, g => g.Sum(r => r.GetProperty("count").GetInt64()));
            string attributed = string.Join(", ", counted.Select(c => $"{c.Key}={c.Value}"));
            Assert.IsTrue(own[kept] > 0 && own[removed] > 0, "the containers reported nothing about themselves");
            Assert.AreEqual(own[kept], counted.GetValueOrDefault(kept), $"the exited container is found by its init's pid file; attributed: {attributed}");
            Assert.IsFalse(counted.ContainsKey("(host)"), $"nothing of a container is the host's; attributed: {attributed}");
            // The removed one left nothing to identify it by: its events are kept apart, and the closing line says so.
            string unidentified = counted.Keys.Single(k => k.StartsWith("unidentified (pid ns ", StringComparison.Ordinal));
            Assert.AreEqual(own[removed], counted[unidentified], attributed);
            // A begin and an end per phase and the RequestsServed mark of each of its 2 requests (in kernel mode most only as map counts).
            StringAssert.Contains(tracer.Stderr[^1], $"{2 * own[removed] + 2} events of containers that exited before they could be identified");
        }
        finally
        {
            ProcessRunner.Run(podman, ["rm", "--force", "--ignore", "-t", "0", kept, removed], Timeout);
        }
    }

    [TestMethod]
    [TestCategory("Kernel")]
    public void Chrome_trace_of_a_concurrent_fan_out_draws_each_phase_under_its_parent()
    {
        Requirements.Root();
        string trace = Path.Combine(TestPaths.ScratchDirectory, "phases.trace.json");
        using LiveProcess sample = SampleService.Start("--wait-for-tracer", "60", "--requests", "2", "--interval-ms", "1", "--fetch-children");
        // `--pid` needs the shim mapped; the sample prints its first line right after loading it.
        sample.WaitForStdout("sample pid=", Timeout);
        using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["phases", "--pid", $"{sample.Pid}", "--format", "chrome", "--output", trace]);
        tracer.WaitForExit(Timeout);
        Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));

        ValidatedTrace validated = ChromeTraceValidator.Validate(File.ReadAllText(trace));
        Assert.IsTrue(validated.Slices.All(s => s.Pid == sample.Pid));
        Assert.AreEqual(1, validated.Slices.Count(s => s.Name == "Startup"));
        var fetches = validated.Slices.Where(s => s.Name == "WarmCaches.Fetch").ToList();
        var decodes = validated.Slices.Where(s => s.Name == "WarmCaches.Fetch.Decode").ToList();
        Assert.AreEqual(3, fetches.Count);
        Assert.AreEqual(3, decodes.Count);
        foreach (TraceSlice decode in decodes)
        {
            TraceSlice fetch = fetches.Single(f => f.Span == decode.Parent);
            Assert.AreSame(fetch, decode.Enclosing, "each child inside its own fetch on its lane");
        }
        Output.ChromeTraceTests.AssertDrawnUnderParents(validated);
        // The process is named by its own comm (the sample runs as `dotnet Probes.Sample.dll`), not a pool thread's.
        Assert.AreEqual($"dotnet (pid {sample.Pid})", validated.ProcessNames[sample.Pid]);
        Assert.IsTrue(decodes.All(d => d.Args.GetProperty("tid").GetInt32() != sample.Pid), "the children ran on pool threads");
        Assert.IsTrue(validated.Instants.Count(i => i.GetProperty("name").GetString() == "RequestsServed") == 2, "one mark per request");
        Assert.IsTrue(validated.Metadata!.Value.GetProperty("clock_origin_unix_ns").GetInt64() > 0);
    }

    /// <summary>
    /// Attaches `probes phases --image` first, then runs the containers of the image (they start
    /// after the attach), waits for them to finish, and asks for the report with SIGTERM.
    /// </summary>
    /// <param name="oneAtATime">Run each container to its end before starting the next: two services
    /// starting at once on two cores preempt each other for milliseconds, which a comparison of
    /// durations against the processes' own Stopwatch must not mistake for the tracer's error.
    /// For the same reason the container runs attached (to stderr only, which the sample does not
    /// write): a `podman run -d` followed by `podman wait` starts a second podman client while the
    /// container's first phases run, and on two cores its start-up preempted them (sched_switch).</param>
    private static LiveProcess TraceContainersOfImage(string podman, string image, IEnumerable<string> names, string[] reportArgs, bool oneAtATime = false)
    {
        // --image counts every container of the image: one left running by an earlier test would blur the counts.
        string others = ProcessRunner.Run(podman, ["ps", "-a", "--filter", $"ancestor={image}", "--format", "{{.Names}} {{.Status}}"], Timeout).EnsureSuccess("podman ps").Stdout.Trim();
        Assert.AreEqual("", others, "containers of the test image already exist before the attach");
        var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["phases", "--image", image, .. reportArgs]);
        tracer.WaitForStderr("attached", Timeout);
        foreach (string name in names)
        {
            ProcessRunner.Run(podman, ["--runtime", "runc", "run", .. oneAtATime ? new[] { "--attach", "stderr" } : ["-d"], "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                "--name", name, image, "--requests", $"{Requests}", "--interval-ms", "5", "--self-report"], Timeout).EnsureSuccess("podman run");
        }
        ProcessRunner.Run(podman, ["wait", .. names], Timeout).EnsureSuccess("podman wait");
        tracer.Signal(Signals.SIGTERM);
        tracer.WaitForExit(Timeout);
        Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));
        return tracer;
    }

    [GeneratedRegex(@"self-report phase=(?<phase>\S+) seq=(?<seq>\d+) ns=(?<ns>\d+) pause_ns=(?<pause>\d+) start_ns=(?<start>\d+) stop_ns=(?<stop>\d+) jit_ns=(?<jit>\d+)")]
    private static partial Regex SelfReport();

    /// <summary>One phase instance as the process measured it (CLOCK_MONOTONIC) and as the trace has it (from the trace's origin).</summary>
    private sealed record Instance(string Label, long OwnNs, long PauseNs, long StartNs, long StopNs, long TracedStartNs, long TracedNs)
    {
        public long Difference => Math.Abs(TracedNs - OwnNs);

        /// <summary>Where the process's Stopwatch readings lay relative to the probes, given the trace's origin on CLOCK_MONOTONIC.</summary>
        public string Placement(long origin)
        {
            long begin = origin + TracedStartNs, end = begin + TracedNs;
            return $"the Stopwatch started {(begin - StartNs) / 1000.0:F1} µs before the begin probe and stopped {(StopNs - end) / 1000.0:F1} µs after the end probe";
        }
    }
}
