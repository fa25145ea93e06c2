using System.Diagnostics;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Maps;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Phases;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Bpf;

/// <summary>
/// Phases paired in the kernel, against a C workload of known shape (tests/Fixtures/phase_workload.c
/// linked with the real probe sites of native/probes.c): the maps must count it exactly, the
/// counters must account for every begin, and only the records that matter reach the ring.
/// </summary>
[TestClass]
[TestCategory("Kernel")]
public sealed class PhasePairingKernelTests
{
    private const uint BeginId = 1, EndId = 2, MarkId = 3;
    private const uint Alpha = PhaseWorkload.Alpha, Beta = PhaseWorkload.Beta;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [TestInitialize]
    public void RequireRootAndCompiler()
    {
        Requirements.Root();
        Requirements.Tool("gcc");
    }

    [TestMethod]
    public void The_maps_count_a_known_workload_exactly_and_only_first_and_faulted_ends_are_sent()
    {
        FixtureBinary workload = BuildWorkload();
        using UsdtSession session = Attach(workload, new KernelPairingOptions());
        (List<UsdtEvent> events, int pid) = Run(session, workload, alpha: 5000, beta: 37, orphans: 300, strays: 7, marks: 11);
        session.Detach(_ => true);
        PhaseMaps maps = session.PhaseMaps!;

        KernelPhaseCounters counters = maps.ReadCounters();
        int pending = maps.PendingCount();
        Console.WriteLine($"{counters}, pending {pending}");
        Assert.AreEqual(300UL + 5000 + 37, counters.BeginsStored);
        Assert.AreEqual(5000UL + 37, counters.EndsPaired);
        Assert.AreEqual(7UL, counters.EndsWithoutBegin);
        Assert.AreEqual(300, pending, "the orphans are still pending");
        Assert.AreEqual(0UL, counters.Evicted(pending));
        Assert.AreEqual(0UL, counters.RingFull + counters.PendingFull + counters.HistogramFull + counters.StatisticsFull);

        List<KernelPhaseStatistics> rows = maps.ReadStatistics();
        Assert.AreEqual(2, rows.Count, string.Join("; ", rows));
        KernelPhaseStatistics alpha = rows.Single(r => r.PhaseId == Alpha);
        KernelPhaseStatistics beta = rows.Single(r => r.PhaseId == Beta);
        Assert.AreEqual((5000UL, 0), (alpha.Count, alpha.Status));
        Assert.AreEqual((37UL, 1), (beta.Count, beta.Status));
        Assert.AreEqual(OwnContainerKey(pid), alpha.ContainerKey.Namespaces, "(pid namespace inode, mount namespace inode)");
        Assert.AreEqual(OwnCgroupId(), alpha.ContainerKey.CgroupId, "the cgroup id: the inode of the test's cgroup v2 directory");
        foreach (KernelPhaseStatistics row in rows)
        {
            Assert.IsTrue(row.MinNanoseconds > 0 && row.MinNanoseconds <= row.MaxNanoseconds && row.TotalNanoseconds >= row.MaxNanoseconds, row.ToString());
        }

        List<KernelPhaseBucket> buckets = maps.ReadHistogram();
        Assert.AreEqual(5000UL, buckets.Where(b => b.PhaseId == Alpha && b.Status == 0).Aggregate(0UL, (sum, b) => sum + b.Count));
        Assert.AreEqual(37UL, buckets.Where(b => b.PhaseId == Beta && b.Status == 1).Aggregate(0UL, (sum, b) => sum + b.Count));
        Assert.IsTrue(buckets.All(b => b.PhaseId is Alpha or Beta), "orphans and strays are not in the histogram");
        Assert.IsTrue(buckets.All(b => PhaseBuckets.LowerBound(b.Bucket) <= MaxOf(rows, b) && PhaseBuckets.LowerBound(b.Bucket) + PhaseBuckets.Width(b.Bucket) > MinOf(rows, b)),
            "every bucket lies between the row's exact min and max");

        // Sent: alpha's first end (its name), every faulted beta end, every mark; no begin, no orphan, no stray.
        List<UsdtEvent> ends = events.Where(e => e.ProbeId == EndId).ToList();
        Assert.AreEqual(0, events.Count(e => e.ProbeId == BeginId));
        Assert.AreEqual(1, ends.Count(e => e.Arguments[0] == Alpha));
        Assert.AreEqual("alpha", ends.Single(e => e.Arguments[0] == Alpha).Strings[1]);
        Assert.AreEqual(37, ends.Count(e => e.Arguments[0] == Beta));
        Assert.AreEqual(ends.Count, ends.Count(e => e.Arguments[0] is Alpha or Beta));
        CollectionAssert.AreEqual(Enumerable.Range(1, 37).Select(i => (ulong)i).ToList(), ends.Where(e => e.Arguments[0] == Beta).Select(e => e.Arguments[PhaseProgramGenerator.ParentSlot]).ToList(),
            "a sent end carries its begin's parent");
        Assert.IsTrue(ends.All(e => e.Arguments[PhaseProgramGenerator.DurationSlot] >= MinOf(rows, e) && e.Arguments[PhaseProgramGenerator.DurationSlot] <= MaxOf(rows, e)));
        CollectionAssert.AreEqual(Enumerable.Range(1, 11).Select(i => (ulong)i).ToList(), events.Where(e => e.ProbeId == MarkId).Select(e => e.Arguments[2]).ToList(), "marks are sent as they are");
        Assert.AreEqual(0, session.UnknownRecords);
    }

    [TestMethod]
    public void Sending_every_event_the_histogram_and_extremes_equal_those_of_the_sent_durations()
    {
        FixtureBinary workload = BuildWorkload();
        using UsdtSession session = Attach(workload, new KernelPairingOptions { SendEveryEvent = true });
        (List<UsdtEvent> events, _) = Run(session, workload, alpha: 3000, beta: 50, orphans: 10, strays: 0, marks: 0);
        session.Detach(_ => true);
        PhaseMaps maps = session.PhaseMaps!;

        Assert.AreEqual(0UL, session.LostCount);
        Assert.AreEqual(3000 + 50 + 10, events.Count(e => e.ProbeId == BeginId), "every begin is sent");
        foreach (uint phase in (uint[])[Alpha, Beta])
        {
            List<ulong> durations = events.Where(e => e.ProbeId == EndId && e.Arguments[0] == phase).Select(e => e.Arguments[PhaseProgramGenerator.DurationSlot]).ToList();
            Dictionary<int, ulong> expected = durations.GroupBy(PhaseBuckets.Index).ToDictionary(g => g.Key, g => (ulong)g.Count());
            Dictionary<int, ulong> actual = maps.ReadHistogram().Where(b => b.PhaseId == phase).ToDictionary(b => b.Bucket, b => b.Count);
            Console.WriteLine($"0x{phase:x}: {durations.Count} ends, {actual.Count} buckets, {durations.Min()}-{durations.Max()} ns");
            CollectionAssert.AreEquivalent(expected.OrderBy(p => p.Key).ToList(), actual.OrderBy(p => p.Key).ToList(), "the kernel's buckets are PhaseBuckets.Index of the durations");
            KernelPhaseStatistics row = maps.ReadStatistics().Single(r => r.PhaseId == phase);
            Assert.AreEqual((ulong)durations.Count, row.Count);
            Assert.AreEqual(durations.Aggregate(0UL, (sum, d) => sum + d), row.TotalNanoseconds);
            Assert.AreEqual(durations.Min(), row.MinNanoseconds);
            Assert.AreEqual(durations.Max(), row.MaxNanoseconds);
        }
    }

    /// <summary>
    /// The report's percentiles come from the kernel's buckets; every duration is sent too here, so
    /// the exact nearest-rank values are known: each estimate must be within the bucket scheme's
    /// stated bound (1/64) of the exact value, and min, max, count and total equal.
    /// </summary>
    [TestMethod]
    public void Percentiles_from_the_buckets_are_within_the_stated_bound_of_the_exact_values()
    {
        FixtureBinary workload = BuildWorkload();
        using UsdtSession session = Attach(workload, new KernelPairingOptions { SendEveryEvent = true });
        (List<UsdtEvent> events, _) = Run(session, workload, alpha: 20_000, beta: 500, orphans: 0, strays: 0, marks: 0);
        session.Detach(_ => true);
        PhaseMaps maps = session.PhaseMaps!;

        (List<PhaseRow> rows, long unattributed, _) = KernelPhaseRows.Build(maps.ReadStatistics(), maps.ReadHistogram(), id => $"0x{id:x}", _ => "");
        Assert.AreEqual(0, unattributed);
        foreach (uint phase in (uint[])[Alpha, Beta])
        {
            ulong[] exact = events.Where(e => e.ProbeId == EndId && e.Arguments[0] == phase).Select(e => e.Arguments[PhaseProgramGenerator.DurationSlot]).Order().ToArray();
            PhaseRow row = rows.Single(r => r.Id == phase);
            Assert.AreEqual(exact.Length, row.Count);
            Assert.AreEqual((exact[0], exact[^1]), (row.MinNs, row.MaxNs));
            Assert.AreEqual(exact.Aggregate(0UL, (sum, d) => sum + d), row.TotalNs);
            foreach ((double percent, ulong estimate) in (ReadOnlySpan<(double, ulong)>)[(50, row.P50Ns), (90, row.P90Ns), (99, row.P99Ns)])
            {
                ulong truth = exact[(int)Math.Ceiling(percent / 100 * exact.Length) - 1]; // nearest rank
                double error = Math.Abs((double)estimate - truth) / truth;
                Console.WriteLine($"0x{phase:x} p{percent}: exact {truth} ns, from buckets {estimate} ns, error {error:P2} (bound {PhaseBuckets.RelativeErrorBound:P2})");
                Assert.IsTrue(error <= PhaseBuckets.RelativeErrorBound, $"p{percent} of 0x{phase:x}: {estimate} vs exact {truth}");
            }
        }
    }

    [TestMethod]
    public void A_phase_in_new_pid_and_mount_namespaces_is_keyed_by_them()
    {
        string unshare = Requirements.Tool("unshare");
        FixtureBinary workload = BuildWorkload();
        using UsdtSession session = Attach(workload, new KernelPairingOptions());
        var events = new List<UsdtEvent>();
        // The namespaces are named from inside them, before the workload: it runs the moment it
        // sees the semaphores (already up) and may be gone before /proc could be read from outside.
        string shell = Requirements.Tool("sh");
        using (var process = new LiveProcess(unshare, ["--pid", "--fork", "--kill-child", "--mount", shell, "-c", "readlink /proc/self/ns/pid /proc/self/ns/mnt && exec \"$0\" \"$@\"", workload.Path, .. PhaseWorkload.Arguments(100, 0, 0, 0, 0)]))
        {
            process.WaitForExit(Timeout);
            Assert.AreEqual(0, process.ExitCode, process.Result.Stderr);
            ulong expected = Inode(process.Stdout[0]) | Inode(process.Stdout[1]) << 32;
            session.Drain(r => events.Add(r.ToEvent()));
            session.Detach(_ => true);
            KernelPhaseStatistics row = session.PhaseMaps!.ReadStatistics().Single();
            UsdtEvent first = events.Single(e => e.ProbeId == EndId);
            Console.WriteLine($"key 0x{row.ContainerKey:x16}, expected 0x{expected:x16}, record pidns {first.PidNamespaceInode} mntns {first.MountNamespaceInode} ns pid {first.NamespacePid}");
            Assert.AreEqual(100UL, row.Count);
            Assert.AreEqual(expected, row.ContainerKey.Namespaces, "the new namespaces' inodes");
            Assert.AreEqual(expected, (ulong)first.PidNamespaceInode!.Value | (ulong)first.MountNamespaceInode!.Value << 32, "the sent record carries the same key");
            Assert.AreEqual(row.ContainerKey.CgroupId, first.Arguments[PhaseProgramGenerator.CgroupSlot], "and the same cgroup id");
        }
    }

    private static ulong Inode(string link) => ulong.Parse(link[(link.IndexOf('[') + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);

    [TestMethod]
    public void A_tiny_pending_map_evicts_begins_never_ended_and_the_counters_say_how_many()
    {
        FixtureBinary workload = BuildWorkload();
        const int capacity = 64;
        using UsdtSession session = Attach(workload, new KernelPairingOptions { PendingCapacity = capacity });
        Run(session, workload, alpha: 200, beta: 0, orphans: 1000, strays: 0, marks: 0);
        session.Detach(_ => true);
        PhaseMaps maps = session.PhaseMaps!;

        KernelPhaseCounters counters = maps.ReadCounters();
        int pending = maps.PendingCount();
        Console.WriteLine($"{counters}, pending {pending}, evicted {counters.Evicted(pending)}");
        Assert.AreEqual(1200UL, counters.BeginsStored);
        Assert.AreEqual(200UL, counters.EndsPaired, "an evicted begin is an old orphan, never the phase just begun");
        Assert.AreEqual(0UL, counters.EndsWithoutBegin);
        Assert.IsTrue(pending <= capacity, $"{pending} pending in a map of {capacity}");
        Assert.AreEqual(1000UL - (ulong)pending, counters.Evicted(pending), "every orphan not pending was evicted");
        Assert.AreEqual(200UL, maps.ReadStatistics().Single(r => r.PhaseId == Alpha).Count);
    }

    private static FixtureBinary BuildWorkload() => FixtureBinary.Existing(PhaseWorkload.Build());

    private static UsdtSession Attach(FixtureBinary workload, KernelPairingOptions pairing)
    {
        var session = UsdtSession.Create(new UsdtSessionOptions { RingBufferBytes = 1 << 22, PollIntervalMilliseconds = 10, KernelPairing = pairing });
        // mark, phase_end, then phase_begin: the begin's semaphore goes up last, as the SDK expects.
        foreach ((string name, uint id, PhaseProbeRole role) in (ReadOnlySpan<(string, uint, PhaseProbeRole)>)[("mark", MarkId, PhaseProbeRole.None), ("phase_end", EndId, PhaseProbeRole.End), ("phase_begin", BeginId, PhaseProbeRole.Begin)])
        {
            foreach (FixtureProbe site in workload.Sites.Where(s => s.Provider == "probes" && s.Name == name))
            {
                session.AddSite(new UsdtProgramSpec(id, site.Arguments, [1], StringLength: 32, SiteVirtualAddress: site.Location, Role: role), [workload.Target(site).Target]);
            }
        }
        session.Start();
        return session;
    }

    private static (List<UsdtEvent> Events, int Pid) Run(UsdtSession session, FixtureBinary workload, int alpha, int beta, int orphans, int strays, int marks)
    {
        var events = new List<UsdtEvent>();
        using var process = new LiveProcess(workload.Path, PhaseWorkload.Arguments(alpha, beta, orphans, strays, marks));
        var clock = Stopwatch.StartNew();
        while (!process.HasExited && clock.Elapsed < Timeout)
        {
            session.Poll(r => events.Add(r.ToEvent()), 20);
        }
        process.WaitForExit(Timeout);
        session.Drain(r => events.Add(r.ToEvent()));
        Assert.IsTrue(process.Stdout.Contains("done"), $"the workload ran: {string.Join(" | ", process.Stdout)}");
        return (events, process.Pid);
    }

    private static ulong OwnContainerKey(int pid)
    {
        static ulong Inode(string link) => ulong.Parse(link[(link.IndexOf('[') + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
        _ = pid; // exited by now; it inherited the test's namespaces
        return Inode(new FileInfo("/proc/self/ns/pid").LinkTarget!) | Inode(new FileInfo("/proc/self/ns/mnt").LinkTarget!) << 32;
    }

    /// <summary>cgroup v2: a cgroup's id is its directory's inode number.</summary>
    private static ulong OwnCgroupId()
    {
        string path = File.ReadAllLines("/proc/self/cgroup").Single(l => l.StartsWith("0::", StringComparison.Ordinal))[3..];
        return ProcessRunner.Run("stat", ["-c", "%i", "/sys/fs/cgroup" + path], TimeSpan.FromSeconds(10)).EnsureSuccess("stat").Stdout.Trim() is { } inode
            ? ulong.Parse(inode, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    private static ulong MinOf(List<KernelPhaseStatistics> rows, KernelPhaseBucket bucket) => rows.Single(r => r.PhaseId == bucket.PhaseId && r.Status == bucket.Status).MinNanoseconds;

    private static ulong MaxOf(List<KernelPhaseStatistics> rows, KernelPhaseBucket bucket) => rows.Single(r => r.PhaseId == bucket.PhaseId && r.Status == bucket.Status).MaxNanoseconds;

    private static ulong MinOf(List<KernelPhaseStatistics> rows, UsdtEvent end) => rows.Single(r => r.PhaseId == end.Arguments[0]).MinNanoseconds;

    private static ulong MaxOf(List<KernelPhaseStatistics> rows, UsdtEvent end) => rows.Single(r => r.PhaseId == end.Arguments[0]).MaxNanoseconds;
}
