using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Probes.Consumer.Bpf.Uprobes;
using Probes.Consumer.Cli;
using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Targets.Processes;
using Probes.Consumer.Tests.Cli;
using Probes.Consumer.Tests.Containers;
using Probes.Consumer.Tests.Support;
using Probes.Consumer.Tracing.Discovery;
using Probes.Consumer.Tracing.Run;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Security;

/// <summary>
/// A traced container that goes away is noticed from /proc (its last process is gone), said in
/// one line, and only the uprobes that served it alone are detached; the last one stops the run.
/// On a fake /proc first (no kernel, no podman), then with podman containers removed mid-run.
/// </summary>
[TestClass]
[TestCategory("Cli")]
[DoNotParallelize]
public sealed partial class ContainerRemovalTests
{
    private const string ShimInImage = SampleImage.ShimInImage;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private static readonly string A = new('a', 64);
    private static readonly string B = new('b', 64);

    [TestMethod]
    public void A_container_is_gone_when_its_last_process_is()
    {
        using var proc = new FakeProc();
        AddProcess(proc, 100, A);
        AddProcess(proc, 101, A);
        AddProcess(proc, 200, B);
        var watch = new ContainerWatch([A, B], proc.Root);

        Assert.AreEqual(0, watch.CheckNow().Count);
        RemoveProcess(proc, 100);
        Assert.AreEqual(0, watch.CheckNow().Count, "pid 101 still runs in A");
        RemoveProcess(proc, 101);
        CollectionAssert.AreEqual(new[] { A }, watch.CheckNow().ToArray());
        CollectionAssert.AreEqual(new[] { B }, watch.Remaining.ToArray());
        Assert.AreEqual(0, watch.CheckNow().Count, "A is reported once");
    }

    [TestMethod]
    public void A_zombie_keeps_no_container_alive()
    {
        using var proc = new FakeProc();
        AddProcess(proc, 200, B);
        var watch = new ContainerWatch([B], proc.Root);
        Assert.AreEqual(0, watch.CheckNow().Count);
        WriteStat(proc, 200, state: 'Z'); // its cgroup file still names the container until it is reaped
        CollectionAssert.AreEqual(new[] { B }, watch.CheckNow().ToArray());
    }

    [TestMethod]
    public void A_new_process_of_the_container_keeps_it_alive_when_the_known_one_exits()
    {
        using var proc = new FakeProc();
        AddProcess(proc, 100, A);
        var watch = new ContainerWatch([A], proc.Root);
        Assert.AreEqual(0, watch.CheckNow().Count);
        AddProcess(proc, 150, A);
        RemoveProcess(proc, 100);
        Assert.AreEqual(0, watch.CheckNow().Count);
    }

    [TestMethod]
    public void Poll_checks_at_most_once_per_interval()
    {
        using var proc = new FakeProc();
        AddProcess(proc, 100, A);
        long now = 0;
        var watch = new ContainerWatch([A], proc.Root, TimeSpan.FromMilliseconds(500), () => now);
        RemoveProcess(proc, 100);
        now = 499;
        Assert.AreEqual(0, watch.Poll().Count, "not yet due");
        now = 500;
        CollectionAssert.AreEqual(new[] { A }, watch.Poll().ToArray());
    }

    [TestMethod]
    public void Removing_one_of_two_says_so_detaches_its_own_files_and_goes_on()
    {
        using var proc = new FakeProc();
        AddProcess(proc, 100, A);
        AddProcess(proc, 200, B);
        var (console, error) = Console();
        using var shutdown = new TraceStop(null);
        var detached = new List<string>();
        string[] attached = ["/proc/100/root/app/libprobes.so", "/proc/200/root/app/libprobes.so"];
        int Detach(Func<UprobeTarget, bool> which)
        {
            var chosen = attached.Where(path => !detached.Contains(path) && which(new UprobeTarget(path, 0x1000))).ToList();
            detached.AddRange(chosen);
            return chosen.Count;
        }
        long now = 0;
        var removals = new ContainerRemovals(new ContainerWatch([A, B], proc.Root, TimeSpan.FromMilliseconds(500), () => now), Name,
            gone => target => gone.Contains(target.Path.StartsWith("/proc/100/", StringComparison.Ordinal) ? A : B), Detach, shutdown, new ConsoleDiagnostics(console, verbose: true));
        removals.AfterAttach();
        Assert.AreEqual("", error.ToString());

        RemoveProcess(proc, 100);
        now += 500;
        removals.Poll();
        Assert.AreEqual(
            "probes: container web-a removed; still tracing 1 container(s)\n"
            + "probes: detached 1 uprobe(s) that served only removed containers\n", error.ToString());
        CollectionAssert.AreEqual(new[] { attached[0] }, detached);
        Assert.IsFalse(shutdown.Token.IsCancellationRequested);

        RemoveProcess(proc, 200);
        error.GetStringBuilder().Clear();
        now += 500;
        removals.Poll();
        Assert.IsTrue(shutdown.Token.IsCancellationRequested, "the last container gone stops tracing");
        Assert.AreEqual("container web-b removed", shutdown.Reason);
        Assert.AreEqual("", error.ToString(), "the reason goes into the closing note, not a line of its own");
    }

    [TestMethod]
    public void Every_container_gone_before_the_attach_is_not_found()
    {
        using var proc = new FakeProc();
        AddProcess(proc, 100, A);
        var watch = new ContainerWatch([A], proc.Root);
        RemoveProcess(proc, 100);
        using var shutdown = new TraceStop(null);
        var removals = new ContainerRemovals(watch, Name, _ => _ => true, _ => 0, shutdown, new ConsoleDiagnostics(Console().Console, verbose: false));
        var e = Assert.ThrowsExactly<TargetNotFoundException>(removals.AfterAttach);
        Assert.AreEqual("container web-a was removed before the probes were attached", e.Message);
        Assert.AreEqual(ExitCode.NotFound, ErrorReporter.Classify(e));
    }

    [TestMethod]
    public void A_file_shared_by_two_containers_serves_both_and_an_own_copy_only_its_container()
    {
        using var proc = new FakeProc();
        AddProcess(proc, 100, A);
        AddProcess(proc, 200, B);
        // Same path, different inodes (two images); one library shared by inode (one image layer).
        WriteMaps(proc, 100, ("/app/libprobes.so", 500), ("/usr/lib/libshared.so", 700));
        WriteMaps(proc, 200, ("/app/libprobes.so", 600), ("/usr/lib/libshared.so", 700));
        // What PhaseTargets keeps: each distinct file once, the shared one under the first container.
        ListedProbe[] probes =
        [
            Probe("/app/libprobes.so", 100, A, inode: 500),
            Probe("/app/libprobes.so", 200, B, inode: 600),
            Probe("/usr/lib/libshared.so", 100, A, inode: 700),
        ];

        ContainerFileOwners owners = ContainerFileOwners.Find(probes, new HashSet<string>([A, B]), proc.Root);

        CollectionAssert.AreEquivalent(new[] { A }, owners.OwnersOf("/proc/100/root/app/libprobes.so").ToArray());
        CollectionAssert.AreEquivalent(new[] { B }, owners.OwnersOf("/proc/200/root/app/libprobes.so").ToArray());
        CollectionAssert.AreEquivalent(new[] { A, B }, owners.OwnersOf("/proc/100/root/usr/lib/libshared.so").ToArray());
        Assert.IsTrue(owners.ServesOnly("/proc/100/root/app/libprobes.so", new HashSet<string>([A])));
        Assert.IsFalse(owners.ServesOnly("/proc/100/root/usr/lib/libshared.so", new HashSet<string>([A])), "B still maps it");
        Assert.IsTrue(owners.ServesOnly("/proc/100/root/usr/lib/libshared.so", new HashSet<string>([A, B])));
    }

    [TestMethod]
    public void A_container_whose_maps_were_cut_short_shares_every_file()
    {
        using var proc = new FakeProc();
        AddProcess(proc, 100, A);
        AddProcess(proc, 200, B);
        WriteMaps(proc, 100, ("/app/libprobes.so", 500));
        WriteMaps(proc, 200, ("/lib/one.so", 601), ("/lib/two.so", 602), ("/app/libprobes.so", 500));
        ListedProbe[] probes = [Probe("/app/libprobes.so", 100, A, inode: 500)];

        // B's third file is beyond the bound: B may map A's file without our seeing it.
        ContainerFileOwners owners = ContainerFileOwners.Find(probes, new HashSet<string>([A, B]), proc.Root, new MapsLimits(MaxLines: 100, MaxBytes: 1 << 20, MaxFiles: 2));

        CollectionAssert.AreEquivalent(new[] { A, B }, owners.OwnersOf("/proc/100/root/app/libprobes.so").ToArray());
    }

    [TestMethod]
    public void A_file_whose_identity_cannot_be_read_serves_everyone()
    {
        using var proc = new FakeProc();
        AddProcess(proc, 100, A);
        AddProcess(proc, 200, B);
        ListedProbe[] probes = [Probe("/app/libprobes.so", 300, A, inode: null)]; // no mapping or pinned file to tell its identity

        ContainerFileOwners owners = ContainerFileOwners.Find(probes, new HashSet<string>([A, B]), proc.Root);

        CollectionAssert.AreEquivalent(new[] { A, B }, owners.OwnersOf("/proc/300/root/app/libprobes.so").ToArray());
        Assert.IsFalse(owners.ServesOnly("/proc/300/root/app/libprobes.so", new HashSet<string>([A])));
        CollectionAssert.AreEquivalent(new[] { A, B }, owners.OwnersOf("/never/attached.so").ToArray());
    }

    [TestMethod]
    [TestCategory("Container")]
    public void Phases_goes_on_with_the_other_container_when_one_is_removed_and_detaches_what_served_only_it()
    {
        string podman = Requirements.RootWithPodman();
        string image = SampleImage.Build();
        string first = $"probes-rm-a-{Environment.ProcessId}", second = $"probes-rm-b-{Environment.ProcessId}";
        // The first container maps its own copy of the shim (another inode), so its uprobes serve it alone;
        // a host process mapping the same copy shows, by its semaphore, whether they are still attached.
        string copy = Path.Combine(TestPaths.ScratchDirectory, $"libprobes-removed-{Guid.NewGuid():N}.so");
        File.Copy(SampleService.Shim, copy);
        string report = Path.Combine(TestPaths.ScratchDirectory, $"removal-{Guid.NewGuid():N}.json");
        Dictionary<string, string?> tracefs = TracefsState.Snapshot();
        try
        {
            SampleImage.RunBusy(podman, first, image, intervalMilliseconds: 20, options: ["--mount", $"type=bind,src={copy},dst={ShimInImage},ro"]);
            SampleImage.RunBusy(podman, second, image, intervalMilliseconds: 20);
            using var witness = new LiveProcess(SampleService.Dotnet, [SampleService.Dll, "--requests", "100000", "--interval-ms", "50"],
                new Dictionary<string, string> { ["PROBES_LIBRARY"] = copy });
            witness.WaitForStdout("ready", Timeout);
            ulong beginSemaphore = SampleService.SemaphoreOffset("phase_begin");

            using var tracer = new LiveProcess(TestPaths.ProbesExecutable,
                ["phases", "--container", first, "--container", second, "--format", "json", "--output", report, "--verbose"]);
            tracer.WaitForStderr("attached", Timeout);
            Wait.Until(() => witness.ReadMappedUInt16(copy, beginSemaphore) == 1, Timeout, "the first container's uprobes raised the copy's semaphore");

            ProcessRunner.Run(podman, ["rm", "--force", "--ignore", "-t", "0", first], Timeout).EnsureSuccess("podman rm");
            Assert.AreEqual($"probes: container {first} removed; still tracing 1 container(s)", tracer.WaitForStderr("removed", Timeout));
            // phase_begin, phase_end and mark of the removed container's file.
            Assert.AreEqual("probes: detached 3 uprobe(s) that served only removed containers", tracer.WaitForStderr("detached", Timeout));
            Wait.Until(() => witness.ReadMappedUInt16(copy, beginSemaphore) == 0, Timeout, "the kernel lowered the copy's semaphore: its uprobes are gone");

            // A process the second container starts now, after the removal, is measured from its start.
            ProcessResult late = ProcessRunner.Run(podman, ["exec", second, "/app/Probes.Sample", "--requests", "3", "--interval-ms", "1", "--self-report"], Timeout)
                .EnsureSuccess("podman exec");
            tracer.Signal(Signals.SIGTERM);
            tracer.WaitForExit(Timeout);
            Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));
            StringAssert.Contains(tracer.Stderr[^1], "(terminated)");

            using JsonDocument json = JsonDocument.Parse(File.ReadAllText(report));
            var rows = json.RootElement.GetProperty("phases").EnumerateArray().Where(r => r.GetProperty("container").GetString() == second).ToList();
            foreach (string phase in new[] { "Startup", "LoadConfig", "WarmCaches", "ConnectDatabase" })
            {
                // Only the late process began these after the attach; the container's first process had done them before.
                Assert.AreEqual(1, rows.Single(r => r.GetProperty("name").GetString() == phase).GetProperty("count").GetInt64(), $"{second} {phase}");
            }
            Assert.IsTrue(SelfReport().Matches(late.Stdout).Count > 0, "the late process reported about itself");
            Assert.IsFalse(witness.HasExited);
            CollectionAssert.AreEqual(tracefs, TracefsState.Snapshot(), "tracefs changed");
        }
        finally
        {
            ProcessRunner.Run(podman, ["rm", "--force", "--ignore", "-t", "0", first, second], Timeout);
            File.Delete(copy);
        }
    }

    [TestMethod]
    [TestCategory("Container")]
    public void Trace_of_a_removed_container_ends_with_the_reason()
    {
        string podman = Requirements.RootWithPodman();
        string image = SampleImage.Build();
        string name = $"probes-rm-trace-{Environment.ProcessId}";
        Dictionary<string, string?> tracefs = TracefsState.Snapshot();
        try
        {
            SampleImage.RunBusy(podman, name, image, intervalMilliseconds: 20);
            using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["trace", "--container", name]);
            tracer.WaitForStderr("attached", Timeout);
            tracer.WaitForStdout("HandleRequest", Timeout);

            ProcessRunner.Run(podman, ["rm", "--force", "--ignore", "-t", "0", name], Timeout).EnsureSuccess("podman rm");
            tracer.WaitForExit(Timeout);

            Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));
            StringAssert.Matches(tracer.Stderr[^1], new Regex($@"^probes: \d+ events, 0 lost(, \d+ from other processes mapping the same file not shown)? \(container {name} removed\)$"));
            CollectionAssert.AreEqual(tracefs, TracefsState.Snapshot(), "tracefs changed");
        }
        finally
        {
            ProcessRunner.Run(podman, ["rm", "--force", "--ignore", "-t", "0", name], Timeout);
        }
    }

    /// <summary>Runs the sample image detached and waits until its process maps the shim (the SDK loads it at the first probe).</summary>
    [GeneratedRegex(@"self-report phase=(?<phase>\S+) seq=(?<seq>\d+) ns=(?<ns>\d+)")]
    private static partial Regex SelfReport();

    private static string Name(string id) => id == A ? "web-a" : "web-b";

    private static (CliConsole Console, StringWriter Error) Console()
    {
        var error = new StringWriter { NewLine = "\n" };
        return (new CliConsole(new StringWriter(), error), error);
    }

    private static ListedProbe Probe(string path, int pid, string containerId, ulong? inode) => new(
        new TargetFile(path, $"/proc/{pid}/root{path}", pid, containerId)
        {
            Mapping = inode is { } number ? new MappedRegion("/proc", pid, 0x7f0000000000, 0x7f0000001000, new FileIdentity(0, 0x2e, number)) : null,
        },
        new UsdtProbe("probes", "phase_begin", 0x1000, 0, 0, "4@%edi", 0x1000, 0),
        []);

    private static void AddProcess(FakeProc proc, int pid, string containerId)
    {
        proc.Add(pid, parent: 1, $"/machine.slice/libpod-{containerId}.scope");
        WriteStat(proc, pid, 'S');
    }

    private static void WriteStat(FakeProc proc, int pid, char state) =>
        File.WriteAllText(Path.Combine(proc.Root, pid.ToString(CultureInfo.InvariantCulture), "stat"),
            $"{pid} (app) {state} 1 {pid} {pid} 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 {1000 + pid} 1000 200\n");

    private static void RemoveProcess(FakeProc proc, int pid) => Directory.Delete(Path.Combine(proc.Root, pid.ToString(CultureInfo.InvariantCulture)), recursive: true);

    private static void WriteMaps(FakeProc proc, int pid, params (string Path, ulong Inode)[] files) =>
        File.WriteAllLines(Path.Combine(proc.Root, pid.ToString(CultureInfo.InvariantCulture), "maps"),
            files.Select((file, i) => $"7f00000{i:x}0000-7f00000{i:x}1000 r-xp 00001000 00:2e {file.Inode} {file.Path}"));
}
