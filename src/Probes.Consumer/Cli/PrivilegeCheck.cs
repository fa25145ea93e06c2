using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Syscalls;
using Probes.Consumer.Bpf.Uprobes;
using Probes.Consumer.Targets.Processes;
using Probes.Consumer.Tracing.Resolution;

namespace Probes.Consumer.Cli;

/// <summary>
/// What a verb needs for its target, checked before any work, so a missing privilege is one
/// line naming the capability instead of an EPERM from deep inside:
/// <list type="bullet">
/// <item><c>list FILE</c>: nothing (the file's permissions decide).</item>
/// <item>reading a process (<c>--pid</c>, <c>--container</c>, <c>--all</c>, <c>containers</c>): CAP_SYS_PTRACE
/// when the kernel's ptrace read check would refuse it (another user's process, or one holding
/// capabilities we lack); <c>/proc/PID/maps</c>, <c>/proc/PID/root</c> and <c>/proc/PID/ns</c> are behind it.</item>
/// <item><c>trace</c>, <c>phases</c>: CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) as well, and on
/// kernels that took uprobes back from CAP_PERFMON (Linux 6.16, "perf: Revert to requiring
/// CAP_SYS_ADMIN for uprobes", also in stable updates) CAP_SYS_ADMIN itself. No tracefs or
/// debugfs: uprobes are made through the perf uprobe PMU.</item>
/// </list>
/// The kernel's own refusal (<see cref="BpfPermissionException"/>) stays the backstop and is
/// worded the same way by <see cref="KernelRefusal"/>. Whether the target's processes are
/// readable, and why not, is the tracing layer's to find out (<see cref="TargetAccess"/>); the
/// words of what to do about it are the CLI's, here.
/// </summary>
/// <param name="uprobesNeedSysAdmin">Whether this kernel lets only CAP_SYS_ADMIN create uprobes; asked only when it matters.</param>
/// <param name="podmanIdOf">The full id of a container as this user's podman names it, or null; asked only when it matters.</param>
public sealed class PrivilegeCheck(ProcessCredentials self, string procRoot = ProcessTarget.DefaultProcRoot, Func<ProcessCredentials, bool>? uprobesNeedSysAdmin = null,
    Func<string, string?>? podmanIdOf = null)
{
    private const string SysAdminNote = "; this kernel lets only CAP_SYS_ADMIN create uprobes (CAP_BPF and CAP_PERFMON are not enough since Linux 6.16)";

    private static readonly Capability[] BpfAndPerfmon = [Capability.Bpf, Capability.Perfmon];
    private readonly Func<ProcessCredentials, bool> _uprobesNeedSysAdmin = uprobesNeedSysAdmin ?? KernelUprobesNeedSysAdmin;
    private readonly TargetAccess _targets = new(self, procRoot, podmanIdOf);

    public static PrivilegeCheck Current() => new(ProcessCredentials.Self());

    /// <summary>Fails unless this process may do what <paramref name="verb"/> does to its target.</summary>
    /// <param name="verb">"probes trace", as the message names it.</param>
    /// <param name="tracing">The verb loads BPF programs and opens uprobes.</param>
    /// <param name="ptraceReason">Why the target needs CAP_SYS_PTRACE (one of the reason methods below), or null.</param>
    public void Demand(string verb, bool tracing, string? ptraceReason)
    {
        (List<Capability> needed, string note) = tracing ? Tracing() : ([], "");
        if (ptraceReason is not null)
        {
            needed.Add(Capability.SysPtrace);
        }
        List<Capability> missing = needed.Where(capability => !self.Effective.Grants(capability)).ToList();
        if (missing.Count > 0)
        {
            throw new MissingCapabilityException(
                $"{verb} needs {Sentence(needed)} (missing: {string.Join(", ", missing.Select(CapabilitySet.Name))}"
                + $"{(missing.Contains(Capability.SysPtrace) ? $", because {ptraceReason}" : "")}){note}; run as root or grant {(missing.Count == 1 ? "it" : "them")}");
        }
    }

    /// <summary>
    /// The capabilities for BPF programs and perf uprobes. CAP_SYS_ADMIN covers them all; without
    /// it, CAP_BPF and CAP_PERFMON, unless this kernel wants CAP_SYS_ADMIN for uprobes.
    /// </summary>
    private (List<Capability> Needed, string Note) Tracing()
    {
        if (self.Effective.Has(Capability.SysAdmin))
        {
            return ([Capability.SysAdmin], "");
        }
        return _uprobesNeedSysAdmin(self) ? ([Capability.SysAdmin], SysAdminNote) : ([.. BpfAndPerfmon], "");
    }

    /// <summary>
    /// Asks the kernel when it can: with CAP_PERFMON, a perf uprobe with an empty path fails
    /// with EACCES only when the capability check refuses (before any path is looked up or
    /// probe made). Without CAP_PERFMON the kernel cannot tell us, and its version decides.
    /// </summary>
    private static bool KernelUprobesNeedSysAdmin(ProcessCredentials self)
    {
        if (self.Effective.Has(Capability.Perfmon))
        {
            return !UprobeAttachment.MayCreateUprobes(Kernel.Default);
        }
        return Environment.OSVersion.Version >= new Version(6, 16);
    }

    /// <inheritdoc cref="TargetAccess.ProcessReason"/>
    public string? ProcessReason(int pid) => _targets.ProcessReason(pid);

    /// <inheritdoc cref="TargetAccess.ContainerReason"/>
    public string? ContainerReason(IEnumerable<string> namesOrIds) => _targets.ContainerReason(namesOrIds);

    /// <inheritdoc cref="TargetAccess.EveryContainerReason"/>
    public string? EveryContainerReason() => _targets.EveryContainerReason();

    /// <inheritdoc cref="TargetAccess.EveryProcessReason"/>
    public string? EveryProcessReason() => _targets.EveryProcessReason();

    /// <inheritdoc cref="TargetAccess.ReasonFor"/>
    public string? ReasonFor(TargetRequest request) => _targets.ReasonFor(request);

    /// <summary>
    /// The one line for a refusal by the kernel itself (EPERM/EACCES from bpf or perf_event_open)
    /// that the check above let through: which capability is missing, or why holding them did not help.
    /// </summary>
    public string KernelRefusal(BpfPermissionException refusal)
    {
        string failed = $"{refusal.Call} failed: {Errno.Name(refusal.Errno)}";
        (List<Capability> needed, string note) = Tracing();
        List<Capability> missing = needed.Where(capability => !self.Effective.Grants(capability)).ToList();
        if (missing.Count > 0)
        {
            return $"{failed}: needs {Sentence(needed)} (missing: {string.Join(", ", missing.Select(CapabilitySet.Name))}){note}; run as root or grant {(missing.Count == 1 ? "it" : "them")}";
        }
        return InInitialUserNamespace()
            ? $"{failed}, although this process holds {Sentence(needed)} (a security module or kernel lockdown refused it)"
            : $"{failed}, although this process holds {Sentence(needed)}: capabilities count for bpf and perf only in the initial user namespace, and this process runs in another one; run as root on the host";
    }

    /// <summary>
    /// The initial user namespace maps every uid to itself ("0 0 4294967295"); in any other,
    /// capabilities are real only for that namespace's objects, never for bpf() or perf.
    /// </summary>
    private bool InInitialUserNamespace()
    {
        try
        {
            string[] fields = File.ReadAllText($"{procRoot}/self/uid_map").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return fields is ["0", "0", "4294967295"];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true; // cannot tell: do not blame a namespace
        }
    }

    /// <summary>"A", "A and B", "A, B and C".</summary>
    private static string Sentence(IReadOnlyList<Capability> capabilities)
    {
        string[] names = capabilities.Select(CapabilitySet.Name).ToArray();
        return names.Length <= 1 ? string.Concat(names) : $"{string.Join(", ", names[..^1])} and {names[^1]}";
    }
}

/// <summary>This process lacks a capability the verb needs for its target; the message names it.</summary>
public sealed class MissingCapabilityException(string message) : ProbesException(ErrorKind.Privileges, message);
