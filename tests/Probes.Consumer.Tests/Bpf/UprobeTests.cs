using System.Diagnostics;
using System.Globalization;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Btf;
using Probes.Consumer.Bpf.Instructions;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Bpf.Syscalls;
using Probes.Consumer.Bpf.Uprobes;

namespace Probes.Consumer.Tests.Bpf;

/// <summary>
/// End to end against the kernel: the C fixture is compiled at test time, its probes found
/// with readelf, our generated programs attached through the perf uprobe PMU, and decoded
/// values compared with what the fixture printed it passed.
/// </summary>
[TestClass]
[TestCategory("Kernel")]
public sealed class UprobeTests
{
    private static readonly string[] ArgumentProbes = ["scalars", "array", "sib", "text"];
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [TestInitialize]
    public void RequireRootAndCompiler()
    {
        Requirements.Root();
        Requirements.Tool("gcc");
    }

    [TestMethod]
    [DataRow("O0", NamespaceAccess.BtfDirect, UprobeAttachMethod.UprobeMulti)]
    [DataRow("O2", NamespaceAccess.BtfDirect, UprobeAttachMethod.UprobeMulti)]
    [DataRow("O2", NamespaceAccess.ProbeRead, UprobeAttachMethod.UprobeMulti)]
    [DataRow("O2", NamespaceAccess.BtfDirect, UprobeAttachMethod.PerfLink)]
    [DataRow("O2", NamespaceAccess.BtfDirect, UprobeAttachMethod.PerfIoctl)]
    public void Decoded_arguments_equal_what_the_fixture_passed_in_a_process_started_after_attaching(string optimization, NamespaceAccess access, UprobeAttachMethod method)
    {
        FixtureBinary binary = FixtureBinary.Build(optimization);
        using UsdtSession session = UsdtSession.Create(new UsdtSessionOptions { RingBufferBytes = 1 << 20, PollIntervalMilliseconds = 10, PreferredNamespaceAccess = access, MaxAttachMethod = method });
        var probeNames = AddArgumentProbes(session, binary, pid: null);
        session.Start();
        Assert.AreEqual(access, session.NamespaceAccess, session.NamespaceFallbackReason?.Message);
        AssertAttachedBy(session, method, ArgumentProbes.Length);

        using var process = new LiveProcess(binary.Path, ["24", "10000"]);
        process.WaitForStdout("ready", Timeout);
        // File-level attach: the kernel raised the semaphore in a process that did not exist at attach time.
        Assert.AreEqual(1, binary.ReadSemaphore(process.Pid, binary.Probe("scalars").Semaphore), "semaphore of a process started after attaching");
        List<UsdtEvent> events = CollectUntilExit(session, process);

        foreach (string name in ArgumentProbes)
        {
            FixtureProbe probe = binary.Probe(name);
            string[] expected = process.Stdout.Where(l => l.StartsWith($"hit {name} ", StringComparison.Ordinal)).ToArray();
            string[] actual = events.Where(e => probeNames[e.ProbeId] == name).Select(e => Format(name, probe, e)).ToArray();
            Console.WriteLine($"{name} [{string.Join(' ', probe.Arguments.Select(a => a.Spec))}]: {expected.Length} printed, {actual.Length} decoded; first: {actual.FirstOrDefault()}");
            Assert.AreEqual(24, expected.Length, $"fixture lines for {name}");
            CollectionAssert.AreEqual(expected, actual, $"{name} at -{optimization}: {string.Join(' ', probe.Arguments.Select(a => a.Spec))}");
        }

        // The fixture has exited by now; it inherited the test's namespaces.
        string ownPidNamespace = new FileInfo("/proc/self/ns/pid").LinkTarget ?? "";
        string ownMountNamespace = new FileInfo("/proc/self/ns/mnt").LinkTarget ?? "";
        Assert.IsTrue(events.Count > 0);
        foreach (UsdtEvent e in events)
        {
            Assert.AreEqual(process.Pid, e.Pid);
            Assert.AreEqual(process.Pid, e.Tid, "single-threaded fixture");
            Assert.AreEqual(process.Pid, e.NamespacePid, "the test runs in the initial pid namespace");
            Assert.AreEqual(e.Tid, e.NamespaceTid);
            Assert.AreEqual($"pid:[{e.PidNamespaceInode}]", ownPidNamespace);
            Assert.AreEqual($"mnt:[{e.MountNamespaceInode}]", ownMountNamespace);
            Assert.AreEqual(Path.GetFileName(binary.Path)[..Math.Min(15, Path.GetFileName(binary.Path).Length)], e.Comm);
        }
        Assert.AreEqual(0UL, session.LostCount);
        Assert.AreEqual(0, session.UnknownRecords);
    }

    [TestMethod]
    [DataRow(UprobeAttachMethod.UprobeMulti)]
    [DataRow(UprobeAttachMethod.PerfLink)]
    [DataRow(UprobeAttachMethod.PerfIoctl)]
    public void Pid_attach_raises_the_semaphore_and_dispose_lowers_it_and_closes_every_descriptor(UprobeAttachMethod method)
    {
        FixtureBinary binary = FixtureBinary.Build("O2");
        using var process = new LiveProcess(binary.Path, ["100000", "5000"]);
        process.WaitForStdout("ready", Timeout);
        ulong semaphore = binary.Probe("scalars").Semaphore;
        (int perfBefore, int linksBefore) = (OpenFds("perf_event"), OpenFds("bpf_link"));
        string? uprobeEventsBefore = ReadUprobeEvents();
        Assert.AreEqual(0, binary.ReadSemaphore(process.Pid, semaphore), "no one traces yet");

        var attachClock = Stopwatch.StartNew();
        var session = UsdtSession.Create(new UsdtSessionOptions { RingBufferBytes = 1 << 16, PollIntervalMilliseconds = 10, MaxAttachMethod = method });
        try
        {
            AddArgumentProbes(session, binary, pid: process.Pid);
            session.Start();
            Console.WriteLine($"MEASURE create + load + attach of {ArgumentProbes.Length} sites ({session.AttachSummary}): {attachClock.Elapsed.TotalMilliseconds:F1} ms");

            Assert.AreEqual(1, binary.ReadSemaphore(process.Pid, semaphore), "semaphore while attached");
            Assert.AreEqual(ArgumentProbes.Length, session.AttachmentCount);
            AssertAttachedBy(session, method, ArgumentProbes.Length);
            Assert.AreEqual(perfBefore + session.PerfEventCount, OpenFds("perf_event"), "the perf events the session counts are the ones this process holds");
            Assert.AreEqual(linksBefore + session.LinkCount, OpenFds("bpf_link"), "the links the session counts are the ones this process holds");
            UsdtEvent first = WaitForEvent(session);
            Assert.AreEqual(process.Pid, first.Pid);
        }
        finally
        {
            session.Dispose();
        }

        Assert.AreEqual(0, binary.ReadSemaphore(process.Pid, semaphore), "semaphore after dispose");
        Assert.AreEqual(perfBefore, OpenFds("perf_event"), "perf event fds after dispose");
        Assert.AreEqual(linksBefore, OpenFds("bpf_link"), "link fds after dispose");
        Assert.AreEqual(uprobeEventsBefore, ReadUprobeEvents(), "tracefs uprobe_events untouched");
        Assert.IsFalse(process.HasExited, "the traced process keeps running");
    }

    /// <summary>
    /// The pid filter of a uprobe_multi link followed only the main thread before Linux 6.10; the
    /// session asks the kernel which kind it has and uses perf uprobes on an old one. Either way a
    /// traced pid's other threads are seen, and other processes mapping the file are left alone.
    /// </summary>
    [TestMethod]
    [DataRow(UprobeAttachMethod.UprobeMulti)]
    [DataRow(UprobeAttachMethod.PerfLink)]
    public void A_pid_filter_follows_every_thread_of_the_process_and_leaves_other_processes_alone(UprobeAttachMethod method)
    {
        FixtureBinary binary = FixtureBinary.Build("O2");
        using var traced = new LiveProcess(binary.Path, ["150", "20000", "thread"]);
        using var other = new LiveProcess(binary.Path, ["150", "20000", "thread"]);
        traced.WaitForStdout("ready", Timeout);
        other.WaitForStdout("ready", Timeout);
        using UsdtSession session = UsdtSession.Create(new UsdtSessionOptions { RingBufferBytes = 1 << 16, PollIntervalMilliseconds = 10, MaxAttachMethod = method });
        var (probe, target) = binary.Target("threaded", traced.Pid);
        session.AddSite(new UsdtProgramSpec(1, probe.Arguments, []), [target]);
        session.Start();
        AssertAttachedBy(session, method, 1);

        Assert.AreEqual(1, binary.ReadSemaphore(traced.Pid, probe.Semaphore), "the traced process's semaphore");
        Assert.AreEqual(0, binary.ReadSemaphore(other.Pid, probe.Semaphore), "another process mapping the file is not switched on");
        List<UsdtEvent> events = CollectUntilExit(session, traced);

        Console.WriteLine($"{events.Count} events, tids {string.Join(' ', events.Select(e => e.Tid).Distinct())}, process {traced.Pid}");
        Assert.IsTrue(events.Count > 0, "hits of the traced process arrive");
        Assert.IsTrue(events.All(e => e.Pid == traced.Pid), "only the traced process");
        Assert.IsTrue(events.All(e => e.Tid != traced.Pid), "all from its second thread");
    }

    [TestMethod]
    [DataRow(NamespaceAccess.BtfDirect)]
    [DataRow(NamespaceAccess.ProbeRead)]
    public void Events_from_a_new_pid_namespace_carry_the_pids_seen_inside_it(NamespaceAccess access)
    {
        string unshare = Requirements.Tool("unshare");
        FixtureBinary binary = FixtureBinary.Build("O2");
        using UsdtSession session = UsdtSession.Create(new UsdtSessionOptions { RingBufferBytes = 1 << 16, PollIntervalMilliseconds = 10, PreferredNamespaceAccess = access });
        var (probe, target) = binary.Target("scalars");
        session.AddSite(new UsdtProgramSpec(3, probe.Arguments, []), [target]);
        session.Start();

        // Like a container: new pid and mount namespaces; the fixture is pid 1 inside.
        using var process = new LiveProcess(unshare, ["--pid", "--fork", "--kill-child", "--mount", binary.Path, "2000", "5000"]);
        string ready = process.WaitForStdout("ready", Timeout);
        int hostPid = process.ChildPid();
        string pidNamespace = new FileInfo($"/proc/{hostPid}/ns/pid").LinkTarget ?? "";
        string mountNamespace = new FileInfo($"/proc/{hostPid}/ns/mnt").LinkTarget ?? "";
        UsdtEvent e = WaitForEvent(session);

        Console.WriteLine($"{ready}: host pid {e.Pid}, ns pid {e.NamespacePid}, ns tid {e.NamespaceTid}, {pidNamespace} {mountNamespace}");
        Assert.AreEqual("ready 1", ready, "the fixture sees itself as pid 1");
        Assert.AreEqual(hostPid, e.Pid);
        Assert.AreEqual(1, e.NamespacePid);
        Assert.AreEqual(1, e.NamespaceTid);
        Assert.AreEqual(pidNamespace, $"pid:[{e.PidNamespaceInode}]");
        Assert.AreEqual(mountNamespace, $"mnt:[{e.MountNamespaceInode}]");
        Assert.AreNotEqual(new FileInfo("/proc/self/ns/pid").LinkTarget, pidNamespace);
    }

    [TestMethod]
    public void Dispose_from_another_thread_ends_Run_and_keeps_the_lost_count()
    {
        FixtureBinary binary = FixtureBinary.Build("O2");
        var session = UsdtSession.Create(new UsdtSessionOptions { RingBufferBytes = Environment.SystemPageSize, PollIntervalMilliseconds = 10 });
        var (probe, target) = binary.Target("tight");
        session.AddSite(new UsdtProgramSpec(8, probe.Arguments, []), [target]);
        session.Start();
        using (var process = new LiveProcess(binary.Path, ["10000", "0", "loop"]))
        {
            process.WaitForExit(Timeout); // nobody reads yet: most of the 10000 hits are lost
        }
        ulong lost = session.LostCount;
        var blocker = new ManualResetEventSlim();
        long received = 0;

        Task<long> run = Task.Run(() => session.Run(_ => { Interlocked.Increment(ref received); blocker.Wait(); }, CancellationToken.None));
        Wait.Until(() => Interlocked.Read(ref received) > 0, Timeout, "Run is inside its first callback");
        blocker.Set();
        session.Dispose();

        Assert.IsTrue(run.Wait(Timeout), "Run returned after Dispose");
        Assert.IsTrue(lost > 0);
        Assert.AreEqual(lost, session.LostCount, "the count survives Dispose");
        Assert.AreEqual(10000UL, lost + (ulong)run.Result);
    }

    /// <summary>How a container's file is reached: through /proc/PID/root of a process that sees it.</summary>
    [TestMethod]
    public void A_file_reached_through_proc_pid_root_is_the_same_inode_for_every_process()
    {
        FixtureBinary binary = FixtureBinary.Build("O2");
        using var holder = new LiveProcess(binary.Path, ["100000", "5000"]);
        holder.WaitForStdout("ready", Timeout);
        using UsdtSession session = UsdtSession.Create(new UsdtSessionOptions { RingBufferBytes = 1 << 16, PollIntervalMilliseconds = 10 });
        var (probe, target) = binary.Target("twice");
        session.AddSite(new UsdtProgramSpec(4, probe.Arguments, []), [target with { Path = $"/proc/{holder.Pid}/root{binary.Path}" }]);
        session.Start();

        using var other = new LiveProcess(binary.Path, ["3", "1000"]);
        List<UsdtEvent> events = CollectUntilExit(session, other);

        Assert.IsTrue(events.Any(e => e.Pid == other.Pid), "a process started later, by its own path, is traced");
        Assert.IsTrue(events.Any(e => e.Pid == holder.Pid), "the process whose root we went through is traced");
    }

    [TestMethod]
    public void Every_call_site_of_a_probe_is_attached_and_reported_under_one_probe_id()
    {
        const int Iterations = 12;
        FixtureBinary binary = FixtureBinary.Build("O2");
        FixtureProbe[] sites = binary.Sites.Where(s => s.Name == "twice").ToArray();
        Assert.AreEqual(2, sites.Length, "the fixture has two call sites of fixture:twice");
        using UsdtSession session = UsdtSession.Create(new UsdtSessionOptions { RingBufferBytes = 1 << 16, PollIntervalMilliseconds = 10 });
        foreach (FixtureProbe site in sites)
        {
            // Each site has its own argument spec (registers may differ), hence its own program.
            // No ref_ctr_offset here: the sites fire unconditionally, like libstdcxx:throw, which has no semaphore.
            session.AddSite(new UsdtProgramSpec(77, site.Arguments, []), [binary.Target(site).Target with { SemaphoreFileOffset = null }]);
        }
        session.Start();

        using var process = new LiveProcess(binary.Path, [Iterations.ToString(CultureInfo.InvariantCulture), "1000"]);
        List<UsdtEvent> events = CollectUntilExit(session, process);

        long[] expected = Enumerable.Range(0, Iterations).SelectMany(i => new long[] { i, -i - 1000 }).ToArray();
        CollectionAssert.AreEqual(expected, events.Select(e => e.SignedArgument(0)).ToArray());
        Assert.IsTrue(events.All(e => e.ProbeId == 77));
    }

    [TestMethod]
    public void Attaching_to_a_process_that_is_gone_names_the_target()
    {
        FixtureBinary binary = FixtureBinary.Build("O2");
        int gone;
        using (var process = new LiveProcess(binary.Path, ["1", "0"]))
        {
            gone = process.Pid;
            process.WaitForExit(Timeout);
        }
        using UsdtSession session = UsdtSession.Create(new UsdtSessionOptions { RingBufferBytes = 1 << 16 });
        var (probe, target) = binary.Target("scalars", gone);
        session.AddSite(new UsdtProgramSpec(0, probe.Arguments, []), [target]);

        var e = Assert.ThrowsExactly<UprobeAttachException>(session.Start);

        Assert.AreEqual(Errno.ESRCH, e.Errno, e.Message);
        StringAssert.Contains(e.Message, binary.Path);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void Events_that_do_not_fit_a_tiny_ring_are_counted_as_lost(bool batched)
    {
        const int Iterations = 100_000;
        FixtureBinary binary = FixtureBinary.Build("O2");
        using UsdtSession session = UsdtSession.Create(new UsdtSessionOptions { RingBufferBytes = Environment.SystemPageSize, BatchWakeups = batched });
        var (probe, target) = binary.Target("tight");
        session.AddSite(new UsdtProgramSpec(5, probe.Arguments, []), [target]);
        session.Start();

        // Nobody reads while the loop runs, so the ring fills after a few dozen records.
        using var process = new LiveProcess(binary.Path, [Iterations.ToString(CultureInfo.InvariantCulture), "0", "loop"]);
        process.WaitForStdout("done", Timeout);
        process.WaitForExit(Timeout);
        var received = new List<long>();
        session.Drain(r => received.Add((long)r.Argument(0)));

        Console.WriteLine($"batched={batched}: received {received.Count}, lost {session.LostCount}");
        Assert.IsTrue(session.LostCount > 0, "a one-page ring must overflow");
        Assert.AreEqual((ulong)Iterations, (ulong)received.Count + session.LostCount, "every hit is either received or counted lost");
        CollectionAssert.AreEqual(received.Order().ToList(), received, "records arrive in order");
    }

    /// <summary>Not a timing assertion: prints what a tight loop produces and what the reader keeps up with.</summary>
    [TestMethod]
    [DataRow(true, true)]
    [DataRow(false, true)]
    [DataRow(true, false)]
    public void Tight_loop_throughput_is_measured_with_nothing_unaccounted(bool batched, bool namespaces)
    {
        const int Iterations = 1_000_000;
        FixtureBinary binary = FixtureBinary.Build("O2");
        using UsdtSession session = UsdtSession.Create(new UsdtSessionOptions { RingBufferBytes = 16 << 20, BatchWakeups = batched, PollIntervalMilliseconds = 5, ReadNamespaces = namespaces });
        var (probe, target) = binary.Target("tight");
        session.AddSite(new UsdtProgramSpec(6, probe.Arguments, []), [target]);
        session.Start();

        long received = 0;
        ulong checksum = 0;
        using var process = new LiveProcess(binary.Path, [Iterations.ToString(CultureInfo.InvariantCulture), "0", "loop"]);
        var clock = Stopwatch.StartNew();
        TimeSpan firstEvent = TimeSpan.Zero;
        while (!process.HasExited || session.RingBuffer is not null && received + (long)session.LostCount < Iterations)
        {
            int n = session.Poll(r => { received++; checksum += r.Argument(0); }, 5);
            if (n > 0 && firstEvent == TimeSpan.Zero)
            {
                firstEvent = clock.Elapsed;
            }
            if (clock.Elapsed > Timeout)
            {
                break;
            }
        }
        TimeSpan readerElapsed = clock.Elapsed - firstEvent;
        string done = process.Stdout.FirstOrDefault(l => l.StartsWith("done ", StringComparison.Ordinal)) ?? "done 0";
        double loopSeconds = long.Parse(done[5..], CultureInfo.InvariantCulture) / 1e9;

        Console.WriteLine(
            $"MEASURE batched={batched} namespaces={namespaces}: {Iterations} hits in {loopSeconds * 1e3:F0} ms in the traced loop " +
            $"({Iterations / loopSeconds / 1e6:F2} M hits/s, {loopSeconds * 1e9 / Iterations:F0} ns/hit); " +
            $"reader received {received}, lost {session.LostCount}, {received / Math.Max(readerElapsed.TotalSeconds, 1e-9) / 1e6:F2} M events/s over {readerElapsed.TotalMilliseconds:F0} ms");
        Assert.AreEqual((long)Iterations, received + (long)session.LostCount);
        if (session.LostCount == 0)
        {
            Assert.AreEqual((ulong)Iterations * (Iterations - 1) / 2, checksum, "every value 0..N-1 arrived once");
        }
    }

    /// <summary>The floor the numbers above compare with: the same loop with a program that does nothing.</summary>
    [TestMethod]
    public void Tight_loop_with_an_empty_program_is_measured_as_the_uprobe_floor()
    {
        const int Iterations = 1_000_000;
        FixtureBinary binary = FixtureBinary.Build("O2");
        var kernel = Kernel.Default;
        using BpfProgram empty = BpfProgram.Load(kernel, "empty", BpfProgramType.Kprobe, [Asm.Mov(Register.R0, 0), Asm.Exit()]);
        var (_, target) = binary.Target("tight");
        using UprobeAttachment attachment = UprobeAttachment.Attach(kernel, empty, target);

        using var process = new LiveProcess(binary.Path, [Iterations.ToString(CultureInfo.InvariantCulture), "0", "loop"]);
        string done = process.WaitForStdout("done ", Timeout);
        double loopSeconds = long.Parse(done[5..], CultureInfo.InvariantCulture) / 1e9;

        Console.WriteLine($"MEASURE empty program: {loopSeconds * 1e9 / Iterations:F0} ns/hit ({Iterations / loopSeconds / 1e6:F2} M hits/s)");
        Assert.IsTrue(loopSeconds > 0);
    }

    private static Dictionary<uint, string> AddArgumentProbes(UsdtSession session, FixtureBinary binary, int? pid)
    {
        var names = new Dictionary<uint, string>();
        uint id = 0;
        foreach (string name in ArgumentProbes)
        {
            var (probe, target) = binary.Target(name, pid);
            IReadOnlyCollection<int> strings = name == "text" ? [0] : [];
            var arguments = probe.Arguments.Select(a => a.Symbol is { } symbol ? a with { SymbolValue = binary.Symbol(symbol) } : a).ToList();
            session.AddSite(new UsdtProgramSpec(id, arguments, strings, StringLength: 32, SiteVirtualAddress: probe.Location), [target]);
            names[id++] = name;
        }
        return names;
    }

    private static List<UsdtEvent> CollectUntilExit(UsdtSession session, LiveProcess process)
    {
        var events = new List<UsdtEvent>();
        var clock = Stopwatch.StartNew();
        while (!process.HasExited && clock.Elapsed < Timeout)
        {
            session.Poll(r => events.Add(r.ToEvent()), 20);
        }
        process.WaitForExit(Timeout);
        session.Drain(r => events.Add(r.ToEvent()));
        return events;
    }

    private static UsdtEvent WaitForEvent(UsdtSession session)
    {
        UsdtEvent? found = null;
        var clock = Stopwatch.StartNew();
        while (found is null && clock.Elapsed < Timeout)
        {
            session.Poll(r => found ??= r.ToEvent(), 50);
        }
        return found ?? throw new AssertFailedException("no event within the timeout");
    }

    /// <summary>The fixture's own line format: strings as text, signed arguments as signed numbers.</summary>
    private static string Format(string name, FixtureProbe probe, UsdtEvent e)
    {
        var parts = new List<string> { "hit", name };
        for (int i = 0; i < e.Arguments.Count; i++)
        {
            parts.Add(e.Strings[i] ?? (probe.Arguments[i].IsSigned
                ? e.SignedArgument(i).ToString(CultureInfo.InvariantCulture)
                : e.Arguments[i].ToString(CultureInfo.InvariantCulture)));
        }
        if (name == "scalars")
        {
            // The fixture prints the constant 42 it passed as the sixth argument, like the others.
        }
        return string.Join(' ', parts);
    }

    /// <summary>Descriptors of this process whose anon inode is named <paramref name="kind"/> (perf_event, bpf_link).</summary>
    private static int OpenFds(string kind) => Directory.GetFiles("/proc/self/fd")
        .Count(fd => (new FileInfo(fd).LinkTarget ?? "").Contains(kind, StringComparison.Ordinal));

    /// <summary>The session attached by <paramref name="method"/>: this kernel (6.18) has all three, so a cap is what it uses.</summary>
    private static void AssertAttachedBy(UsdtSession session, UprobeAttachMethod method, int sites)
    {
        Assert.IsTrue(session.Features is { UprobeMultiLinks: true, UprobeMultiPidFilter: true, PerfLinks: true } || method == UprobeAttachMethod.PerfIoctl,
            $"this kernel has uprobe_multi links with a process-wide pid filter and perf links: {session.Features}");
        Assert.IsNull(method == UprobeAttachMethod.UprobeMulti ? session.AttachFallbackReason : null);
        (int perf, int minLinks, int maxLinks) = method switch
        {
            UprobeAttachMethod.UprobeMulti => (0, 1, sites),
            UprobeAttachMethod.PerfLink => (sites, sites, sites),
            _ => (sites, 0, 0),
        };
        Assert.AreEqual(perf, session.PerfEventCount, session.AttachSummary);
        Assert.IsTrue(session.LinkCount >= minLinks && session.LinkCount <= maxLinks, session.AttachSummary);
    }

    private static string? ReadUprobeEvents() =>
        File.Exists("/sys/kernel/tracing/uprobe_events") ? File.ReadAllText("/sys/kernel/tracing/uprobe_events") : null;
}
