using System.Globalization;
using System.Text.RegularExpressions;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Syscalls;
using Probes.Consumer.Cli;
using Probes.Consumer.Targets.Processes;
using Probes.Consumer.Tests.Containers;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Security;

/// <summary>
/// Without the privileges a verb needs for its target, it fails before doing anything, in one
/// line that names the missing capabilities, with exit code 5. The rules on recorded status
/// files first, then the real binary run through setpriv with chosen uids and capabilities.
/// </summary>
[TestClass]
[TestCategory("Cli")]
public sealed partial class PrivilegeTests
{
    private const string NoUprobesForPerfmon = "; this kernel lets only CAP_SYS_ADMIN create uprobes (CAP_BPF and CAP_PERFMON are not enough since Linux 6.16)";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    // ---- the rules, on recorded /proc/PID/status files ----

    [TestMethod]
    public void CapEff_is_read_as_a_hex_mask_and_CAP_SYS_ADMIN_grants_bpf_and_perfmon()
    {
        CapabilitySet root = CapabilitySet.Parse("000001fffeffffff")!.Value;
        Assert.IsTrue(root.Has(Capability.Bpf) && root.Has(Capability.Perfmon) && root.Has(Capability.SysPtrace));
        Assert.IsFalse(root.Has((Capability)24), "CAP_SYS_RESOURCE is the one bit this mask leaves out");

        CapabilitySet admin = CapabilitySet.Of(Capability.SysAdmin);
        Assert.IsTrue(admin.Grants(Capability.Bpf) && admin.Grants(Capability.Perfmon));
        Assert.IsFalse(admin.Has(Capability.Bpf));
        Assert.IsFalse(admin.Grants(Capability.SysPtrace));
        Assert.AreEqual(CapabilitySet.Of(Capability.Bpf, Capability.Perfmon), CapabilitySet.Parse("000000c000000000"));
        Assert.IsNull(CapabilitySet.Parse("not hex"));
    }

    [TestMethod]
    public void The_ptrace_read_rule_wants_the_same_user_and_no_capability_the_reader_lacks()
    {
        ProcessCredentials nobody = Credentials(65534, CapabilitySet.None);
        ProcessCredentials root = Credentials(0, CapabilitySet.Parse("000001fffeffffff")!.Value);
        ProcessCredentials rootWithBpf = Credentials(0, CapabilitySet.Of(Capability.Bpf, Capability.Perfmon));
        ProcessCredentials nobodyWithPtrace = Credentials(65534, CapabilitySet.Of(Capability.SysPtrace));

        Assert.IsTrue(Credentials(65534, CapabilitySet.None).IsReadableBy(nobody), "one's own process");
        Assert.IsFalse(root.IsReadableBy(nobody), "another user's process");
        Assert.IsTrue(root.IsReadableBy(nobodyWithPtrace));
        Assert.IsFalse(root.IsReadableBy(rootWithBpf), "same uid, but the target holds capabilities the reader lacks");
        Assert.IsTrue(rootWithBpf.IsReadableBy(root));
        Assert.IsFalse((nobody with { Uids = [65534, 0, 65534, 65534] }).IsReadableBy(nobody), "a setuid process: its effective uid differs");
    }

    [TestMethod]
    public void Status_lines_give_uids_gids_and_capabilities()
    {
        string[] status = ["Name:\tsleep", "Uid:\t1000\t1000\t1000\t1000", "Gid:\t100\t100\t100\t100", "CapInh:\t0000000000000000",
            "CapPrm:\t0000000000080000", "CapEff:\t0000000000080000", "CapBnd:\t000001ffffffffff"];
        ProcessCredentials parsed = ProcessCredentials.Parse(9, status)!;
        Assert.AreEqual(1000u, parsed.Uid);
        Assert.AreEqual(100u, parsed.FsGid);
        Assert.AreEqual(CapabilitySet.Of(Capability.SysPtrace), parsed.Effective);
        Assert.IsNull(ProcessCredentials.Parse(9, ["Name:\tsleep", "Uid:\t1000"]), "a status without the lines we need");
    }

    [TestMethod]
    [DataRow(false, "probes trace needs CAP_BPF and CAP_PERFMON (missing: CAP_BPF, CAP_PERFMON); run as root or grant them")]
    [DataRow(true, "probes trace needs CAP_SYS_ADMIN (missing: CAP_SYS_ADMIN)" + NoUprobesForPerfmon + "; run as root or grant it")]
    public void Tracing_names_what_this_kernel_wants_for_uprobes(bool kernelWantsSysAdmin, string expected)
    {
        var check = new PrivilegeCheck(Credentials(65534, CapabilitySet.None), uprobesNeedSysAdmin: _ => kernelWantsSysAdmin);
        var e = Assert.ThrowsExactly<MissingCapabilityException>(() => check.Demand("probes trace", tracing: true, ptraceReason: null));
        Assert.AreEqual(expected, e.Message);
        Assert.AreEqual(ExitCode.Privileges, ErrorReporter.Classify(e));
    }

    [TestMethod]
    public void Another_users_process_needs_ptrace_and_the_line_says_whose_it_is()
    {
        using var proc = new FakeProc();
        WriteStatus(proc, 4242, uid: 0, "000001fffeffffff");
        var nobody = new PrivilegeCheck(Credentials(65534, CapabilitySet.Of(Capability.Bpf, Capability.Perfmon)), proc.Root, _ => false);

        string? reason = nobody.ProcessReason(4242);
        Assert.AreEqual("pid 4242 runs as another user, uid 0", reason);
        var e = Assert.ThrowsExactly<MissingCapabilityException>(() => nobody.Demand("probes phases", tracing: true, reason));
        Assert.AreEqual("probes phases needs CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE (missing: CAP_SYS_PTRACE, because pid 4242 runs as another user, uid 0); run as root or grant it", e.Message);
        Assert.IsNull(nobody.ProcessReason(77), "a pid that does not exist is reported later, as not found");
    }

    [TestMethod]
    public void A_container_named_by_id_prefix_is_checked_by_its_own_processes()
    {
        using var proc = new FakeProc();
        string ours = new('a', 64), theirs = new('b', 64);
        proc.Add(300, 1, $"/user.slice/libpod-{ours}.scope");
        WriteStatus(proc, 300, uid: 65534, "0000000000000000");
        proc.Add(400, 1, $"/machine.slice/libpod-{theirs}.scope");
        WriteStatus(proc, 400, uid: 0, "000001fffeffffff");
        // This user's podman knows its own container by name and by id prefix, not root's.
        var nobody = new PrivilegeCheck(Credentials(65534, CapabilitySet.None), proc.Root, _ => false,
            podmanIdOf: name => name is "web-ours" || ours.StartsWith(name, StringComparison.Ordinal) ? ours : null);

        Assert.IsNull(nobody.ContainerReason(["aaaa"]), "a rootless container of our own user, by id prefix");
        Assert.IsNull(nobody.ContainerReason(["web-ours"]), "the same container by its name");
        Assert.AreEqual($"pid 400 of container {theirs[..12]} runs as another user, uid 0", nobody.ContainerReason([theirs[..12]]), "a short id names its container");
        Assert.AreEqual($"pid 400 of container {theirs[..12]} runs as another user, uid 0", nobody.EveryContainerReason());
        Assert.IsNull(new PrivilegeCheck(Credentials(65534, CapabilitySet.Of(Capability.SysPtrace)), proc.Root, _ => false).EveryContainerReason());
    }

    [TestMethod]
    public void A_name_only_roots_podman_knows_is_not_blamed_on_a_container_whose_id_happens_to_match()
    {
        // `phases --container a` without root: 'a' is root's container, and another root
        // container's id starts with 'a'. That other container's process is not the reason.
        using var proc = new FakeProc();
        string named = new('c', 64), other = "a" + new string('d', 63);
        proc.Add(500, 1, $"/machine.slice/libpod-{named}.scope");
        WriteStatus(proc, 500, uid: 0, "000001fffeffffff");
        proc.Add(600, 1, $"/machine.slice/libpod-{other}.scope");
        WriteStatus(proc, 600, uid: 0, "000001fffeffffff");
        var nobody = new PrivilegeCheck(Credentials(65534, CapabilitySet.None), proc.Root, _ => false, podmanIdOf: _ => null);

        foreach (string name in new[] { "a", "bbbb", "web-1" })
        {
            string? reason = nobody.ContainerReason([name]);
            Assert.AreEqual($"'{name}' is not a container this user's podman knows, and containers of other users run on this host (uid 0)", reason);
            var e = Assert.ThrowsExactly<MissingCapabilityException>(() => nobody.Demand("probes phases", tracing: true, reason));
            Assert.DoesNotContain("pid 600", e.Message);
            Assert.DoesNotContain(other[..12], e.Message);
        }
        Assert.AreEqual($"pid 500 of container {named[..12]} runs as another user, uid 0", nobody.ContainerReason([named[..12]]), "an id of 12 digits is an id");
    }

    [TestMethod]
    public void The_kernels_own_refusal_is_worded_like_the_check()
    {
        var refusal = new BpfPermissionException("perf_event_open", Errno.EACCES);
        var withBpf = new PrivilegeCheck(Credentials(65534, CapabilitySet.Of(Capability.Bpf, Capability.Perfmon)), uprobesNeedSysAdmin: _ => true);
        Assert.AreEqual("perf_event_open failed: EACCES: needs CAP_SYS_ADMIN (missing: CAP_SYS_ADMIN)" + NoUprobesForPerfmon + "; run as root or grant it", withBpf.KernelRefusal(refusal));

        var none = new PrivilegeCheck(Credentials(65534, CapabilitySet.None), uprobesNeedSysAdmin: _ => false);
        Assert.AreEqual("bpf(BPF_MAP_CREATE) failed: EPERM: needs CAP_BPF and CAP_PERFMON (missing: CAP_BPF, CAP_PERFMON); run as root or grant them",
            none.KernelRefusal(new BpfPermissionException("bpf(BPF_MAP_CREATE)", Errno.EPERM)));
    }

    // ---- the real binary, with chosen uid and capabilities ----

    /// <summary>uid nobody, every capability gone (and not regainable).</summary>
    private static readonly string[] Nobody = ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"];

    private static string[] With(string uid, string caps) =>
        uid == "0"
            ? [$"--inh-caps=-all,{caps}", $"--ambient-caps=-all,{caps}", $"--bounding-set=-all,{caps}"]
            : ["--reuid=65534", "--regid=65534", "--clear-groups", $"--inh-caps=-all,{caps}", $"--ambient-caps=-all,{caps}", $"--bounding-set=-all,{caps}"];

    [TestMethod]
    [TestCategory("Kernel")]
    [DataRow("nobody", "", "list --pid {pid}",
        "probes list needs CAP_SYS_PTRACE (missing: CAP_SYS_PTRACE, because pid {pid} runs as another user, uid 0); run as root or grant it")]
    [DataRow("nobody", "", "trace {shim}",
        "probes trace needs {tracing} (missing: {tracing-missing}){note}; run as root or grant {them}")]
    [DataRow("nobody", "", "phases --pid {pid}",
        "probes phases needs {tracing-list} and CAP_SYS_PTRACE (missing: {tracing-missing}, CAP_SYS_PTRACE, because pid {pid} runs as another user, uid 0){note}; run as root or grant them")]
    [DataRow("nobody", "+bpf,+perfmon", "trace --pid {pid}",
        "probes trace needs {tracing-list} and CAP_SYS_PTRACE (missing: {bpf-missing}CAP_SYS_PTRACE, because pid {pid} runs as another user, uid 0){note}; run as root or grant {bpf-them}")]
    [DataRow("0", "+bpf,+perfmon", "phases --pid {pid}",
        "probes phases needs {tracing-list} and CAP_SYS_PTRACE (missing: {bpf-missing}CAP_SYS_PTRACE, because pid {pid} holds capabilities this process lacks){note}; run as root or grant {bpf-them}")]
    [DataRow("nobody", "+sys_admin", "trace --pid {pid}",
        "probes trace needs CAP_SYS_ADMIN and CAP_SYS_PTRACE (missing: CAP_SYS_PTRACE, because pid {pid} runs as another user, uid 0); run as root or grant it")]
    [DataRow("0", "+sys_admin", "list --pid {pid}",
        "probes list needs CAP_SYS_PTRACE (missing: CAP_SYS_PTRACE, because pid {pid} holds capabilities this process lacks); run as root or grant it")]
    public void Each_verb_names_the_missing_capability_in_one_line(string uid, string caps, string verb, string expected)
    {
        Requirements.Root();
        string setpriv = Requirements.Tool("setpriv");
        using var target = new LiveProcess(Requirements.Tool("sleep"), ["600"]); // root's, with every capability
        using var shim = new ReadableShim();
        // Linux 6.16 took uprobes back from CAP_PERFMON; the product asks the kernel, these rows follow its version
        // (a stable kernel with that change backported would need other words in the CAP_BPF rows).
        bool upstreamRevert = Environment.OSVersion.Version >= new Version(6, 16);
        string Fill(string text) => text
            .Replace("{pid}", target.Pid.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{shim}", shim.Path, StringComparison.Ordinal)
            .Replace("{tracing}", upstreamRevert ? "CAP_SYS_ADMIN" : "CAP_BPF and CAP_PERFMON", StringComparison.Ordinal)
            .Replace("{tracing-list}", upstreamRevert ? "CAP_SYS_ADMIN" : "CAP_BPF, CAP_PERFMON", StringComparison.Ordinal)
            .Replace("{tracing-missing}", upstreamRevert ? "CAP_SYS_ADMIN" : "CAP_BPF, CAP_PERFMON", StringComparison.Ordinal)
            .Replace("{bpf-missing}", upstreamRevert ? "CAP_SYS_ADMIN, " : "", StringComparison.Ordinal)
            .Replace("{bpf-them}", upstreamRevert ? "them" : "it", StringComparison.Ordinal)
            .Replace("{them}", upstreamRevert ? "it" : "them", StringComparison.Ordinal)
            .Replace("{note}", upstreamRevert ? NoUprobesForPerfmon : "", StringComparison.Ordinal);

        string[] privileges = uid == "nobody" && caps.Length == 0 ? Nobody : With(uid == "nobody" ? "65534" : uid, caps);
        ProcessResult result = RunProbes(setpriv, privileges, Fill(verb).Split(' '));

        AssertRefused(result, "probes: error: " + Fill(expected));
    }

    [TestMethod]
    [TestCategory("Kernel")]
    public void A_file_needs_no_privilege_to_be_listed()
    {
        Requirements.Root();
        using var shim = new ReadableShim();
        ProcessResult result = RunProbes(Requirements.Tool("setpriv"), Nobody, ["list", shim.Path]);
        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, $"{shim.Path} probes:phase_begin");
        Assert.AreEqual("", result.Stderr);
    }

    [TestMethod]
    [TestCategory("Kernel")]
    public void Capabilities_inside_a_user_namespace_are_refused_by_the_kernel_and_the_line_says_why()
    {
        // The check sees every capability (they are real in the new namespace); bpf() does not count them.
        Requirements.Root();
        using var shim = new ReadableShim();
        ProcessResult result = ProcessRunner.Run(Requirements.Tool("unshare"), ["--user", "--map-root-user", TestPaths.ProbesExecutable, "trace", shim.Path], Timeout);
        AssertRefused(result, "probes: error: bpf(BPF_MAP_CREATE) failed: EPERM, although this process holds CAP_SYS_ADMIN: "
            + "capabilities count for bpf and perf only in the initial user namespace, and this process runs in another one; run as root on the host");
    }

    [TestMethod]
    [TestCategory("Container")]
    public void Another_users_container_needs_ptrace_for_every_verb()
    {
        string podman = Requirements.RootWithPodman();
        string setpriv = Requirements.Tool("setpriv");
        using var container = new PodmanContainer(podman, Fixtures.Build(FixtureKind.Static, "-O2"), "/fixture");
        string shortId = container.Id[..12];
        bool upstreamRevert = Environment.OSVersion.Version >= new Version(6, 16);
        string tracing = upstreamRevert ? "CAP_SYS_ADMIN" : "CAP_BPF, CAP_PERFMON";

        // By a short id (12 hex digits) the container is known without root's podman: the line names its own process.
        AssertRefused(RunProbes(setpriv, Nobody, ["list", "--container", shortId]),
            $"probes: error: probes list needs CAP_SYS_PTRACE (missing: CAP_SYS_PTRACE, because pid {container.HostPid} of container {shortId} runs as another user, uid 0); run as root or grant it");
        AssertRefused(RunProbes(setpriv, Nobody, ["trace", "--container", shortId]),
            $"probes: error: probes trace needs {tracing} and CAP_SYS_PTRACE (missing: {tracing}, CAP_SYS_PTRACE, because pid {container.HostPid} of container {shortId} runs as another user, uid 0){NoteText(upstreamRevert)}; run as root or grant them");
        // By a name only root's podman knows: no process is named, since the one that would be could be another container's.
        // (Other containers on this host may run as other uids than the fixture's 0.)
        AssertRefused(RunProbes(setpriv, Nobody, ["phases", "--container", container.Name]),
            new Regex($@"^probes: error: probes phases needs {tracing} and CAP_SYS_PTRACE \(missing: {tracing}, CAP_SYS_PTRACE, because '{Regex.Escape(container.Name)}' is not a container this user's podman knows, "
                + $@"and containers of other users run on this host \(uid \d+\)\){Regex.Escape(NoteText(upstreamRevert))}; run as root or grant them$"));
        // For all containers, it is some container process of another user.
        string anyContainer = @"because pid \d+ of container [0-9a-f]{12} runs as another user, uid \d+\)";
        AssertRefused(RunProbes(setpriv, Nobody, ["containers"]),
            new Regex($@"^probes: error: probes containers needs CAP_SYS_PTRACE \(missing: CAP_SYS_PTRACE, {anyContainer}; run as root or grant it$"));
    }

    private static string NoteText(bool upstreamRevert) => upstreamRevert ? NoUprobesForPerfmon : "";

    private static ProcessResult RunProbes(string setpriv, string[] privileges, string[] args) =>
        ProcessRunner.Run(setpriv, [.. privileges, TestPaths.ProbesExecutable, .. args], Timeout,
            new Dictionary<string, string> { ["HOME"] = "/tmp", ["DOTNET_CLI_HOME"] = "/tmp" });

    private static void AssertRefused(ProcessResult result, string line)
    {
        Assert.AreEqual((int)ExitCode.Privileges, result.ExitCode, result.Stderr);
        Assert.AreEqual(line + "\n", result.Stderr);
        Assert.AreEqual("", result.Stdout);
    }

    private static void AssertRefused(ProcessResult result, Regex line)
    {
        Assert.AreEqual((int)ExitCode.Privileges, result.ExitCode, result.Stderr);
        string[] lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(1, lines.Length, result.Stderr);
        StringAssert.Matches(lines[0], line);
        Assert.AreEqual("", result.Stdout);
    }

    private static ProcessCredentials Credentials(uint uid, CapabilitySet capabilities) =>
        new(1, [uid, uid, uid, uid], [uid, uid, uid, uid], capabilities, capabilities);

    private static void WriteStatus(FakeProc proc, int pid, uint uid, string capPrm)
    {
        string directory = Path.Combine(proc.Root, pid.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "status"),
            $"Name:\tapp\nPPid:\t1\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\nGid:\t{uid}\t{uid}\t{uid}\t{uid}\nCapInh:\t0000000000000000\nCapPrm:\t{capPrm}\nCapEff:\t{capPrm}\n");
    }

    /// <summary>A copy of our shim that an unprivileged user can read, removed on dispose.</summary>
    private sealed class ReadableShim : IDisposable
    {
        public ReadableShim()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"probes-nopriv-{Guid.NewGuid():N}.so");
            File.Copy(TestPaths.LibProbes, Path);
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }
}
