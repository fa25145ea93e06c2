using System.Text.Json;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Targets.Processes;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// Replicas of one image map the shim through their own overlayfs mounts (another device each,
/// the same inode number), but the kernel puts every uprobe opened through any of them on the
/// one file of the image layer. One uprobe per real file and site, however the replicas are
/// named, so every event is counted once: each container's count equals what it reported about
/// itself, no end arrives without its begin (they all started their phases after the attach),
/// and the tracer holds one uprobe per site for the replicas' file. A container that rewrote its
/// copy (overlayfs copied it up into its own layer) has another real file and its own uprobe.
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Container")]
[DoNotParallelize]
public sealed class ReplicaTests
{
    private static readonly TimeSpan Timeout = SampleReplicas.Timeout;
    // Long enough that the replicas still run when the tracer's uprobes are counted after the attach.
    private const int Requests = 20;
    private const int IntervalMilliseconds = 50;

    [TestMethod]
    public void Three_replicas_named_with_container_are_each_counted_once_through_one_uprobe_per_site()
    {
        using var replicas = new SampleReplicas(Requirements.RootWithPodman(), SampleImage.Build());
        string[] names = [SampleReplicas.NameFor("c1"), SampleReplicas.NameFor("c2"), SampleReplicas.NameFor("c3")];
        foreach (string name in names)
        {
            replicas.Run(name, Requests, IntervalMilliseconds);
        }
        string report = ReportPath("containers");

        // Read before the attach: the replicas start their phases once it raises the semaphore and may be gone soon after.
        (ulong, ulong) sites = SampleReplicas.PhaseSites(replicas.Pids.Values.First());
        HashSet<FileIdentity> shims = replicas.MappedShims();

        using var tracer = new LiveProcess(TestPaths.ProbesExecutable,
            ["phases", .. names.SelectMany(n => new[] { "--container", n }), "--format", "json", "--output", report]);
        Assert.AreEqual("probes: attached to 1 file(s) for 3 containers; Ctrl-C for the report", tracer.WaitForStderr("attached", Timeout));
        AssertOneUprobePerSite(tracer.Pid, sites, shims, expectedFiles: 1);

        replicas.WaitAll(); // the last container gone ends the run
        tracer.WaitForExit(Timeout);
        Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));
        AssertEachCountedOnce(report, replicas, names);
    }

    [TestMethod]
    public void All_counts_the_replicas_of_one_image_once_through_one_uprobe_per_site()
    {
        using var replicas = new SampleReplicas(Requirements.RootWithPodman(), SampleImage.Build());
        string[] names = [SampleReplicas.NameFor("a1"), SampleReplicas.NameFor("a2"), SampleReplicas.NameFor("a3")];
        foreach (string name in names)
        {
            replicas.Run(name, Requests, IntervalMilliseconds);
        }
        string report = ReportPath("all");

        // Read before the attach: the replicas start their phases once it raises the semaphore and may be gone soon after.
        (ulong, ulong) sites = SampleReplicas.PhaseSites(replicas.Pids.Values.First());
        HashSet<FileIdentity> shims = replicas.MappedShims();
        replicas.WaitUntilOnlyTheReplicasMapTheShim();

        // --all sees every process mapping a libprobes.so, other tests' too: only the replicas' file is counted here.
        using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["phases", "--all", "--format", "json", "--output", report]);
        tracer.WaitForStderr("attached", Timeout);
        AssertOneUprobePerSite(tracer.Pid, sites, shims, expectedFiles: 1);

        replicas.WaitAll();
        tracer.Signal(Signals.SIGTERM);
        tracer.WaitForExit(Timeout);
        Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));
        AssertEachCountedOnce(report, replicas, names);
    }

    [TestMethod]
    public void Image_with_replicas_running_before_and_started_after_counts_each_once()
    {
        string image = SampleImage.Build();
        using var replicas = new SampleReplicas(Requirements.RootWithPodman(), image);
        string[] before = [SampleReplicas.NameFor("i1"), SampleReplicas.NameFor("i2")];
        string after = SampleReplicas.NameFor("i3");
        foreach (string name in before)
        {
            replicas.Run(name, Requests, IntervalMilliseconds);
        }
        string report = ReportPath("image");

        // Read before the attach: the replicas start their phases once it raises the semaphore and may be gone soon after.
        (ulong, ulong) sites = SampleReplicas.PhaseSites(replicas.Pids.Values.First());

        using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["phases", "--image", image, "--format", "json", "--output", report]);
        Assert.AreEqual($"probes: attached to 1 file(s) for image {image}; Ctrl-C for the report", tracer.WaitForStderr("attached", Timeout));
        // The image's layer file is all that is attached: every uprobe of the tracer counts.
        AssertOneUprobePerSite(tracer.Pid, sites, files: null, expectedFiles: 1);
        replicas.Run(after, requests: 4, intervalMilliseconds: 5, waitForTracer: false, waitForShim: false);

        replicas.WaitAll();
        tracer.Signal(Signals.SIGTERM);
        tracer.WaitForExit(Timeout);
        Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));
        AssertEachCountedOnce(report, replicas, [.. before, after]);
    }

    [TestMethod]
    public void A_replica_that_rewrote_its_shim_has_its_own_file_and_uprobe_and_everyone_is_counted_once()
    {
        using var replicas = new SampleReplicas(Requirements.RootWithPodman(), SampleImage.Build());
        string[] names = [SampleReplicas.NameFor("u1"), SampleReplicas.NameFor("u2"), SampleReplicas.NameFor("u3")];
        replicas.Run(names[0], Requests, IntervalMilliseconds);
        replicas.Run(names[1], Requests, IntervalMilliseconds);
        int rewrote = replicas.Run(names[2], Requests, IntervalMilliseconds, beforeStart: replicas.CopyUpShim);
        HashSet<FileIdentity> mapped = replicas.MappedShims();
        // What statx and maps say cannot tell the copy from the layer's file: the inode number survives the copy-up.
        Assert.AreEqual(1, mapped.Select(m => m.Inode).Distinct().Count(), "the copied-up shim keeps the layer file's inode number");
        string report = ReportPath("copy-up");
        (ulong, ulong) semaphores = SampleReplicas.PhaseSemaphoreOffsets(rewrote);

        // Read before the attach: the replicas start their phases once it raises the semaphore and may be gone soon after.
        (ulong, ulong) sites = SampleReplicas.PhaseSites(replicas.Pids.Values.First());

        using var tracer = new LiveProcess(TestPaths.ProbesExecutable,
            ["phases", .. names.SelectMany(n => new[] { "--container", n }), "--format", "json", "--output", report]);
        Assert.AreEqual("probes: attached to 2 file(s) for 3 containers; Ctrl-C for the report", tracer.WaitForStderr("attached", Timeout));
        // The kernel raises each semaphore once per uprobe on the file a process really maps: the copy
        // has its own uprobe at both sites, and the others share one on the layer's file.
        foreach ((string name, int pid) in replicas.Pids)
        {
            Assert.AreEqual(((ushort)1, (ushort)1), SampleReplicas.PhaseSemaphores(pid, semaphores), $"{name}{(pid == rewrote ? " (rewrote its shim)" : "")}: phase_begin and phase_end semaphores");
        }
        AssertOneUprobePerSite(tracer.Pid, sites, mapped, expectedFiles: 2);

        replicas.WaitAll();
        tracer.WaitForExit(Timeout);
        Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));
        AssertEachCountedOnce(report, replicas, names);
    }

    [TestMethod]
    public void Trace_of_one_replica_shows_its_events_and_counts_the_others_it_ignored()
    {
        using var replicas = new SampleReplicas(Requirements.RootWithPodman(), SampleImage.Build());
        string[] names = [SampleReplicas.NameFor("t1"), SampleReplicas.NameFor("t2"), SampleReplicas.NameFor("t3")];
        // The traced one runs longest: its end ends the run, after every event of the others has come.
        replicas.Run(names[0], 2 * Requests, IntervalMilliseconds);
        replicas.Run(names[1], Requests, IntervalMilliseconds);
        replicas.Run(names[2], Requests, IntervalMilliseconds);

        // The other replicas share the file, so their semaphores rise too and their events reach the tracer.
        using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["trace", "--container", names[0], "--json"]);
        // ABI v2: trace attaches every probe of the shim, phase_context too (it never fires here: the sample runs no activity).
        Assert.AreEqual($"probes: attached 4 probe(s) at 4 site(s) in 1 file(s) of container {names[0]}; Ctrl-C to stop", tracer.WaitForStderr("attached", Timeout));
        Dictionary<ulong, int> perSite = SampleReplicas.UprobesOn(tracer.Pid, replicas.MappedShims());
        Assert.IsTrue(perSite.Count == 4 && perSite.Values.All(n => n == 1), $"one uprobe per site: {Describe(perSite)}");

        replicas.WaitAll(); // the traced container gone ends the run
        tracer.WaitForExit(Timeout);
        Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));

        var events = tracer.Stdout.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.IsTrue(events.All(e => e.GetProperty("container_name").GetString() == names[0]), "only the traced container's events are shown");
        Assert.AreEqual(replicas.SelfReported(names[0]), events.Count(e => e.GetProperty("probe").GetString() == "probes:phase_begin"), "each begin shown once");
        Assert.AreEqual(replicas.SelfReported(names[0]), events.Count(e => e.GetProperty("probe").GetString() == "probes:phase_end"), "each end shown once");
        // Each other replica fired a begin and an end per phase and a mark per request.
        long others = names.Skip(1).Sum(n => 2L * replicas.SelfReported(n) + Requests);
        Assert.AreEqual($"probes: {events.Count} events, 0 lost, {others} from other processes mapping the same file not shown (container {names[0]} removed)", tracer.Stderr[^1]);
    }

    [TestMethod]
    public void Phases_of_one_replica_counts_the_events_of_the_others_it_ignored()
    {
        using var replicas = new SampleReplicas(Requirements.RootWithPodman(), SampleImage.Build());
        string[] names = [SampleReplicas.NameFor("p1"), SampleReplicas.NameFor("p2"), SampleReplicas.NameFor("p3")];
        replicas.Run(names[0], 2 * Requests, IntervalMilliseconds); // runs longest: its end ends the run
        replicas.Run(names[1], Requests, IntervalMilliseconds);
        replicas.Run(names[2], Requests, IntervalMilliseconds);
        string report = ReportPath("one-of-three");

        // Read before the attach: the replicas start their phases once it raises the semaphore and may be gone soon after.
        (ulong, ulong) sites = SampleReplicas.PhaseSites(replicas.Pids.Values.First());
        HashSet<FileIdentity> shims = replicas.MappedShims();

        using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["phases", "--container", names[0], "--format", "json", "--output", report]);
        tracer.WaitForStderr("attached", Timeout);
        AssertOneUprobePerSite(tracer.Pid, sites, shims, expectedFiles: 1);

        replicas.WaitAll();
        tracer.WaitForExit(Timeout);
        Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));
        AssertEachCountedOnce(report, replicas, names.Take(1));
        // The others share the file, so their semaphores rose too: a begin and an end per phase and the
        // RequestsServed mark of each request reached us (in kernel mode most only as map counts).
        long others = names.Skip(1).Sum(n => 2L * replicas.SelfReported(n) + Requests);
        int own = replicas.SelfReported(names[0]);
        Assert.AreEqual($"probes: {own} phases completed, 0 events lost, 0 unfinished, 0 ended without a seen begin, {others} events of other containers ignored (container {names[0]} removed)",
            tracer.Stderr[^1]);
    }

    private static void AssertOneUprobePerSite(int tracerPid, (ulong Begin, ulong End) sites, IReadOnlySet<FileIdentity>? files, int expectedFiles)
    {
        (ulong begin, ulong end) = sites;
        Dictionary<ulong, int> perSite = SampleReplicas.UprobesOn(tracerPid, files);
        Assert.AreEqual(expectedFiles, perSite.GetValueOrDefault(begin), $"uprobes at phase_begin (0x{begin:x}) on the replicas' shims; per site: {Describe(perSite)}");
        Assert.AreEqual(expectedFiles, perSite.GetValueOrDefault(end), $"uprobes at phase_end (0x{end:x}) on the replicas' shims; per site: {Describe(perSite)}");
    }

    private static void AssertEachCountedOnce(string reportPath, SampleReplicas replicas, IEnumerable<string> names)
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(reportPath));
        Assert.AreEqual(0, json.RootElement.GetProperty("lost").GetInt64());
        Assert.AreEqual(0, json.RootElement.GetProperty("ends_without_begin").GetInt64(), "every end had its begin: no event arrived twice");
        Dictionary<string, long> counted = SampleReplicas.CountedPerContainer(json.RootElement);
        foreach (string name in names)
        {
            int own = replicas.SelfReported(name);
            Assert.IsTrue(own > 0, $"{name} reported nothing about itself");
            Assert.AreEqual(own, counted.GetValueOrDefault(name), $"{name}: reported {own} phases about itself; counted per container: {string.Join(", ", counted.Select(c => $"{c.Key}={c.Value}"))}");
        }
    }

    private static string ReportPath(string name) => Path.Combine(TestPaths.ScratchDirectory, $"replicas-{name}-{Guid.NewGuid():N}.json");

    private static string Describe(Dictionary<ulong, int> perSite) => string.Join(", ", perSite.OrderBy(p => p.Key).Select(p => $"0x{p.Key:x}={p.Value}"));
}
