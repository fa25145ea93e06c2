using System.Globalization;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Targets.Processes;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Security;

/// <summary>
/// Issue 8, "Symlink escape": a container maps our shim at /app/libprobes.so, then makes that
/// path an absolute symlink to a host library (see <see cref="SymlinkedShimContainer"/>).
/// Reached as /proc/PID/root/app/libprobes.so it is the HOST's libstdc++. The consumer must
/// read and attach to the file the process maps, and never touch the host file.
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Container")]
[DoNotParallelize]
public sealed class SymlinkEscapeTests
{
    private const string UprobeEvents = "/sys/kernel/tracing/uprobe_events";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Root has CAP_SYS_ADMIN: the mapped file is opened through /proc/PID/map_files.</summary>
    [TestMethod]
    public void As_root_list_and_trace_reach_the_mapped_shim_and_never_the_host_library()
    {
        string podman = Requirements.RootWithPodman();
        string? tracefsBefore = File.Exists(UprobeEvents) ? File.ReadAllText(UprobeEvents) : null;
        using var container = new SymlinkedShimContainer(podman);
        AssertTheTrapIsSet(container);
        List<JsonProbe> shim = ProbesBinary.ListJson(TestPaths.LibProbes);
        List<JsonProbe> host = ProbesBinary.ListJson(SymlinkedShimContainer.HostTarget);
        Assert.IsTrue(host.Any(p => p.Provider == "libstdcxx"), "the host library must have probes for this test to mean anything");

        List<JsonProbe> listed = ProbesBinary.ListJson("--container", container.Name);

        Assert.IsFalse(listed.Any(p => p.Provider == "libstdcxx"), $"host probes listed: {string.Join(", ", listed.Select(p => $"{p.File} {p.Provider}:{p.Name}"))}");
        CollectionAssert.AreEqual(
            shim.Select(p => (p.Provider, p.Name, p.PcOffset, p.SemaphoreOffset)).ToList(),
            listed.Where(p => p.File == SymlinkedShimContainer.ShimInContainer).Select(p => (p.Provider, p.Name, p.PcOffset, p.SemaphoreOffset)).ToList(),
            "the mapped shim's own probes, under the name the process uses");

        using (var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["trace", "--container", container.Name]))
        {
            tracer.WaitForStderr("attached", Timeout);
            foreach (JsonProbe probe in shim)
            {
                Assert.AreEqual(1, container.Semaphore(probe.SemaphoreOffset), $"{probe.Name}: the uprobe is on the mapped copy, so the kernel raised its semaphore");
            }
            AssertHostLibraryUntouched(host.Concat(shim));
            tracer.Signal(Signals.SIGINT);
            tracer.WaitForExit(Timeout);
            Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));
            Assert.IsFalse(tracer.Stderr.Any(line => line.Contains("warning", StringComparison.Ordinal)), string.Join('\n', tracer.Stderr));
        }
        foreach (JsonProbe probe in shim)
        {
            Assert.AreEqual(0, container.Semaphore(probe.SemaphoreOffset), $"{probe.Name}: detached");
        }

        // Asking for the host library's probes by name finds none: they are not in the container.
        ProcessResult hostProbes = ProbesBinary.Run("trace", "--container", container.Name, "-P", "libstdcxx:*");
        Assert.AreEqual(3, hostProbes.ExitCode, hostProbes.Stderr);
        Assert.AreEqual($"probes: error: no probe matches 'libstdcxx:*' in container {container.Name} ('probes list' shows what there is)", hostProbes.Stderr.Trim());
        AssertHostLibraryUntouched(host);
        if (tracefsBefore is not null)
        {
            Assert.AreEqual(tracefsBefore, File.ReadAllText(UprobeEvents), "tracefs uprobe_events changed");
        }
    }

    /// <summary>
    /// The identity check compares like with like on every kernel: statx of the opened overlay
    /// file, and (the fallback for kernels before 6.8, whose maps show the file under the
    /// overlay) our own mapping of it, both equal what the container process's maps shows.
    /// </summary>
    [TestMethod]
    public void The_pinned_overlay_file_has_the_identity_the_container_process_maps_shows()
    {
        string podman = Requirements.RootWithPodman();
        using var container = new SymlinkedShimContainer(podman);
        TargetFile shim = ProcessTarget.MappedFiles(container.HostPid, _ => { }, _ => { }).Single(f => f.Path == SymlinkedShimContainer.ShimInContainer);
        Assert.AreEqual(container.MappedShimIdentity(), shim.Mapping!.Identity.ToString());

        using PinnedFile pinned = TargetFileOpener.Pin(shim);

        Assert.AreEqual(PinRoute.MapFiles, pinned.Route);
        Assert.AreEqual(shim.Mapping.Identity, pinned.Identity);
        Assert.AreEqual(shim.Mapping.Identity, MirrorMapping.IdentityOf(pinned.Handle));
    }

    /// <summary>
    /// Without CAP_SYS_ADMIN (and CAP_CHECKPOINT_RESTORE) /proc/PID/map_files is refused, so the
    /// path is resolved inside the container's root with RESOLVE_IN_ROOT: the symlink now leads to
    /// the container's own file at that path, whose identity is not the mapped one. Refused.
    /// </summary>
    [TestMethod]
    public void Without_map_files_the_path_resolves_in_the_container_and_the_identity_check_refuses_it()
    {
        string podman = Requirements.RootWithPodman();
        string setpriv = Requirements.Tool("setpriv");
        string? tracefsBefore = File.Exists(UprobeEvents) ? File.ReadAllText(UprobeEvents) : null;
        using var container = new SymlinkedShimContainer(podman);
        AssertTheTrapIsSet(container);
        List<JsonProbe> host = ProbesBinary.ListJson(SymlinkedShimContainer.HostTarget);
        string decoy = SymlinkedShimContainer.IdentityOf($"/proc/{container.HostPid}/root{SymlinkedShimContainer.DecoyInImage}");
        string refusal = $"probes: warning: pid {container.HostPid}: refusing {SymlinkedShimContainer.ShimInContainer}: the file opened inside the process's root ({decoy}) "
            + $"is not the file the process maps ({container.MappedShimIdentity()})";

        // Keeps CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH (and root's others).
        // podman may not work without CAP_SYS_ADMIN, so the container is named by its full id.
        ProcessResult Probes(params string[] args) => ProcessRunner.Run(setpriv,
            ["--inh-caps=-sys_admin,-checkpoint_restore", "--bounding-set=-sys_admin,-checkpoint_restore", "--", TestPaths.ProbesExecutable, .. args], Timeout);
        ProcessResult capabilities = ProcessRunner.Run(setpriv,
            ["--inh-caps=-sys_admin,-checkpoint_restore", "--bounding-set=-sys_admin,-checkpoint_restore", "--", Requirements.Tool("cat"), "/proc/self/status"], Timeout);
        ulong effective = ulong.Parse(capabilities.Stdout.Split('\n').Single(l => l.StartsWith("CapEff:", StringComparison.Ordinal))[7..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        Assert.AreEqual(0ul, effective & (1ul << 21 | 1ul << 40), "CAP_SYS_ADMIN and CAP_CHECKPOINT_RESTORE are dropped");
        Assert.AreEqual(1ul << 2 | 1ul << 19 | 1ul << 38 | 1ul << 39, effective & (1ul << 2 | 1ul << 19 | 1ul << 38 | 1ul << 39), "DAC_READ_SEARCH, SYS_PTRACE, PERFMON, BPF are kept");

        ProcessResult list = Probes("list", "--json", "--container", container.Id);
        Assert.AreEqual(0, list.ExitCode, list.Stderr);
        CollectionAssert.AreEqual(new[] { refusal }, Lines(list.Stderr), "one warning for the refused file; the listing goes on");
        Assert.IsFalse(ProbesBinary.ParseJson(list.Stdout).Any(p => p.File == SymlinkedShimContainer.ShimInContainer));

        ProcessResult trace = Probes("trace", "--container", container.Id);
        if (Environment.OSVersion.Version >= new Version(6, 16))
        {
            // Since Linux 6.16 only CAP_SYS_ADMIN may create uprobes: without it trace stops before reading anything.
            Assert.AreEqual(5, trace.ExitCode, trace.Stderr);
            Assert.AreEqual("probes: error: probes trace needs CAP_SYS_ADMIN (missing: CAP_SYS_ADMIN); this kernel lets only CAP_SYS_ADMIN create uprobes "
                + "(CAP_BPF and CAP_PERFMON are not enough since Linux 6.16); run as root or grant it\n", trace.Stderr);
            AssertHostLibraryUntouched(host);
            Assert.AreEqual(tracefsBefore, File.Exists(UprobeEvents) ? File.ReadAllText(UprobeEvents) : null, "tracefs uprobe_events changed");
            return;
        }
        Assert.AreEqual(3, trace.ExitCode, trace.Stderr);
        string[] lines = Lines(trace.Stderr);
        Assert.HasCount(2, lines, trace.Stderr);
        Assert.AreEqual(refusal, lines[0]);
        string[] containerNames = [container.Name, container.Id[..12]]; // whether podman answered without CAP_SYS_ADMIN or not
        CollectionAssert.Contains(
            containerNames.Select(n => $"probes: error: container {n} has no 'probes' probes; choose probes with --probe PROVIDER:NAME ('probes list' shows them)").ToList(),
            lines[1]);

        ProcessResult decoyProbes = Probes("trace", "--container", container.Id, "-P", "fixture:*");
        Assert.AreNotEqual(0, decoyProbes.ExitCode, "the container's own file at that path is not mapped and not traced");
        Assert.AreEqual(refusal, Lines(decoyProbes.Stderr)[0]);

        AssertHostLibraryUntouched(host);
        if (tracefsBefore is not null)
        {
            Assert.AreEqual(tracefsBefore, File.ReadAllText(UprobeEvents), "tracefs uprobe_events changed");
        }
    }

    /// <summary>The attack is live: by the host path, the container's /app/libprobes.so is the host library.</summary>
    private static void AssertTheTrapIsSet(SymlinkedShimContainer container)
    {
        Assert.AreEqual(SymlinkedShimContainer.IdentityOf(SymlinkedShimContainer.HostTarget),
            SymlinkedShimContainer.IdentityOf($"/proc/{container.HostPid}/root{SymlinkedShimContainer.ShimInContainer}"));
        Assert.AreNotEqual(SymlinkedShimContainer.IdentityOf(SymlinkedShimContainer.HostTarget), container.MappedShimIdentity());
    }

    /// <summary>
    /// This test process (the .NET runtime) maps the host library. A uprobe on it would put an
    /// int3 at the site in every process mapping it, this one included: each probe offset must
    /// still hold the file's own byte.
    /// </summary>
    private static void AssertHostLibraryUntouched(IEnumerable<JsonProbe> atOffsetsOf)
    {
        string identity = SymlinkedShimContainer.IdentityOf(SymlinkedShimContainer.HostTarget);
        byte[] file = File.ReadAllBytes(SymlinkedShimContainer.HostTarget);
        var executable = File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 5 && f[1].Contains('x') && $"dev {f[3]} inode {f[4]}" == identity)
            .Select(f => (Range: f[0].Split('-').Select(a => ulong.Parse(a, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray(), Offset: ulong.Parse(f[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture)))
            .ToList();
        Assert.IsNotEmpty(executable, $"this test process maps {SymlinkedShimContainer.HostTarget}");
        using var memory = new FileStream("/proc/self/mem", FileMode.Open, FileAccess.Read);
        int checkedSites = 0;
        foreach (ulong offset in atOffsetsOf.Select(p => p.PcOffset).Distinct())
        {
            foreach ((ulong[] range, ulong mappingOffset) in executable.Where(m => offset >= m.Offset && offset < m.Offset + (m.Range[1] - m.Range[0])))
            {
                memory.Seek((long)(range[0] + offset - mappingOffset), SeekOrigin.Begin);
                Assert.AreEqual(file[offset], (byte)memory.ReadByte(), $"host library byte at file offset 0x{offset:x}");
                checkedSites++;
            }
        }
        Assert.IsTrue(checkedSites > 0, "no probe offset fell in the host library's code");
    }

    private static string[] Lines(string text) => text.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
