using System.Globalization;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Tracing.Resolution;

/// <summary>
/// Whether this process may read a target's processes (<c>/proc/PID/maps</c>, <c>root</c> and
/// <c>ns</c> are behind the kernel's ptrace read check), and if not, why, in words that name the
/// process and its owner: another user's process, or one holding capabilities we lack. Each
/// method returns null when everything is readable (or the target does not exist: that is
/// reported later, as not found), else the reason CAP_SYS_PTRACE is needed.
/// </summary>
/// <param name="podmanIdOf">The full id of a container as this user's podman names it, or null; asked only when it matters.</param>
public sealed class TargetAccess(ProcessCredentials self, string procRoot = ProcessTarget.DefaultProcRoot, Func<string, string?>? podmanIdOf = null)
{
    /// <summary>An id prefix this long is taken for an id even when podman cannot be asked (podman and docker show 12).</summary>
    private const int ShortIdLength = 12;

    private static readonly TimeSpan PodmanTimeout = TimeSpan.FromSeconds(20);
    private readonly Func<string, string?> _podmanIdOf = podmanIdOf ?? AskPodman;

    /// <summary>Why reading the processes of <paramref name="request"/>'s target needs CAP_SYS_PTRACE, or null (a FILE or an image needs no process).</summary>
    public string? ReasonFor(TargetRequest request) =>
        request.Pid is int pid ? ProcessReason(pid)
        : request.Containers.Count > 0 ? ContainerReason(request.Containers)
        : request.All || request.Name is not null ? EveryProcessReason()
        : null;

    /// <summary>Null when this process may read <paramref name="pid"/> (or it does not exist: that is reported later, as not found).</summary>
    public string? ProcessReason(int pid) =>
        ProcessCredentials.Read(pid, procRoot) is { } target && !target.IsReadableBy(self) ? Why(target, $"pid {pid}") : null;

    /// <summary>
    /// Null when every process of the containers <paramref name="namesOrIds"/> name is readable.
    /// Each is identified the way it can be without privileges: by this user's podman (a name
    /// or an id prefix), else as an id prefix of at least 12 hex digits matching one container.
    /// Anything else may be a name that only root's podman knows: no process is named for it
    /// (the containers that happen to match could be others), the line says what is known.
    /// </summary>
    public string? ContainerReason(IEnumerable<string> namesOrIds)
    {
        if (self.Effective.Has(Capability.SysPtrace))
        {
            return null; // nothing to find out: skip the /proc scan
        }
        List<(int Pid, string Id)> processes = ContainerProcessScan.Processes(procRoot).ToList();
        foreach (string nameOrId in namesOrIds)
        {
            string? id = _podmanIdOf(nameOrId) ?? UniqueIdByPrefix(nameOrId, processes);
            if (id is not null)
            {
                if (FirstUnreadable(processes.Where(p => p.Id == id)) is ({ } target, int pid))
                {
                    return Why(target, $"pid {pid} of container {id[..ShortIdLength]}");
                }
                continue;
            }
            if (FirstUnreadable(processes) is ({ } other, _))
            {
                return $"'{nameOrId}' is not a container this user's podman knows, and "
                    + (other.IsSameUserAs(self) ? "containers holding capabilities this process lacks run on this host" : $"containers of other users run on this host (uid {other.Uid.ToString(CultureInfo.InvariantCulture)})");
            }
        }
        return null;
    }

    /// <summary>The one container whose id starts with <paramref name="prefix"/> (12 hex digits or more), or null.</summary>
    private static string? UniqueIdByPrefix(string prefix, List<(int Pid, string Id)> processes)
    {
        string lower = prefix.ToLowerInvariant();
        if (lower.Length < ShortIdLength || lower.AsSpan().ContainsAnyExcept("0123456789abcdef"))
        {
            return null;
        }
        List<string> ids = processes.Select(p => p.Id).Where(id => id.StartsWith(lower, StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
        return ids.Count == 1 ? ids[0] : null;
    }

    private (ProcessCredentials? Target, int Pid) FirstUnreadable(IEnumerable<(int Pid, string Id)> processes)
    {
        foreach ((int pid, _) in processes)
        {
            if (ProcessCredentials.Read(pid, procRoot) is { } target && !target.IsReadableBy(self))
            {
                return (target, pid);
            }
        }
        return (null, 0);
    }

    /// <summary>The full id of the container this user's podman knows by <paramref name="nameOrId"/>; null without podman or when it does not know it.</summary>
    private static string? AskPodman(string nameOrId)
    {
        if (Executables.Find("podman") is not { } podman)
        {
            return null;
        }
        var result = ExternalCommand.Run(podman, ["container", "inspect", "--format", "{{.Id}}", nameOrId], PodmanTimeout);
        string id = result is { ExitCode: 0 } ok ? ok.Stdout.Trim() : "";
        return id.Length == CgroupContainerId.IdLength && !id.AsSpan().ContainsAnyExcept("0123456789abcdef") ? id : null;
    }

    /// <summary>Null when every container process on the host is readable (<c>probes containers</c> reads their maps and namespaces).</summary>
    public string? EveryContainerReason()
    {
        if (self.Effective.Has(Capability.SysPtrace))
        {
            return null;
        }
        foreach ((int pid, string id) in ContainerProcessScan.Processes(procRoot))
        {
            if (ProcessCredentials.Read(pid, procRoot) is { } target && !target.IsReadableBy(self))
            {
                return Why(target, $"pid {pid} of container {id[..ShortIdLength]}");
            }
        }
        return null;
    }

    /// <summary>Null when every process on the host is readable (<c>phases --all</c> reads all their maps).</summary>
    public string? EveryProcessReason()
    {
        if (self.Effective.Has(Capability.SysPtrace))
        {
            return null;
        }
        foreach (int pid in HostProcesses.Pids(procRoot))
        {
            if (ProcessCredentials.Read(pid, procRoot) is { } target && !target.IsReadableBy(self))
            {
                return Why(target, $"pid {pid}");
            }
        }
        return null;
    }

    private string Why(ProcessCredentials target, string subject) => $"{subject} {Whose(target)}";

    private string Whose(ProcessCredentials target) => target.IsSameUserAs(self)
        ? "holds capabilities this process lacks"
        : $"runs as another user, uid {target.Uid.ToString(CultureInfo.InvariantCulture)}";

}
