using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Targets.Containers;

/// <summary>The pid and mount namespace inodes of a task, as the BPF program read them when the probe fired.</summary>
public readonly record struct TaskNamespaces(uint Pid, uint Mount);

/// <summary>
/// Which container owns a pair of namespaces, so an event can be attributed by what the BPF
/// record carries (the namespaces of the task at the time it fired) even when its process has
/// exited before the record is read: a <c>podman exec</c> job, a health check, a crashing worker.
/// Those join the container's namespaces, which outlive them.
///
/// The table is learned from live processes: every process whose cgroup names a container
/// (outermost runtime cgroup, <see cref="CgroupContainerId"/>) teaches the pair of namespaces it
/// runs in, and remembers itself as the witness that the namespaces are still that container's.
/// Namespace inode numbers are reused once a namespace is freed (a container started after
/// another one was removed often gets its numbers), so an entry is trusted outright only while
/// its witness still runs in those namespaces; otherwise the live processes are scanned again
/// (at most once per <see cref="MinScanInterval"/>, so a target that makes namespaces in a loop
/// cannot keep us scanning), and only when no live process holds the pair any more is the last
/// known owner used. A pair never seen falls back to either namespace alone when every known
/// owner of it agrees (a process that unshared its mount namespace inside a container).
/// Host processes and unknown namespaces have no owner (null).
/// </summary>
public sealed class NamespaceOwners(string procRoot = ProcessTarget.DefaultProcRoot, Func<long>? milliseconds = null)
{
    /// <summary>Pairs remembered; past it the table starts again (namespaces die, a bounded table that forgets is cheaper than a stale one).</summary>
    public const int MaxPairs = 65_536;

    public static readonly TimeSpan MinScanInterval = TimeSpan.FromMilliseconds(100);

    private readonly Dictionary<TaskNamespaces, (string? ContainerId, int Witness)> _owners = new();
    private readonly Func<long> _milliseconds = milliseconds ?? (() => Environment.TickCount64);
    private long? _lastScan;

    /// <summary>How many times the live processes were scanned (for tests and verbose output).</summary>
    public int Scans { get; private set; }

    /// <summary>Records that a live process, <paramref name="witness"/>, runs in <paramref name="namespaces"/> and belongs to <paramref name="containerId"/> (null: the host).</summary>
    public void Learn(TaskNamespaces namespaces, string? containerId, int witness)
    {
        if (_owners.Count >= MaxPairs && !_owners.ContainsKey(namespaces))
        {
            _owners.Clear();
        }
        _owners[namespaces] = (containerId, witness);
    }

    /// <summary>The container learned for <paramref name="namespaces"/> from <paramref name="witness"/> itself, or null.</summary>
    public string? LearnedFrom(TaskNamespaces namespaces, int witness) =>
        _owners.TryGetValue(namespaces, out var owner) && owner.Witness == witness ? owner.ContainerId : null;

    /// <summary>Forgets who owned <paramref name="namespaces"/>: their numbers now name other namespaces (a new pid 1 fired in them).</summary>
    public void Forget(TaskNamespaces namespaces) => _owners.Remove(namespaces);

    /// <summary>The namespaces a live process runs in now, or null when it is gone.</summary>
    public TaskNamespaces? Of(int pid) =>
        NamespaceInode.Read(procRoot, pid, "pid") is { } pidNamespace && NamespaceInode.Read(procRoot, pid, "mnt") is { } mountNamespace
            ? new TaskNamespaces((uint)pidNamespace, (uint)mountNamespace)
            : null;

    /// <summary>Learns the namespaces of every live process of a container (a target resolved before the attach).</summary>
    public void LearnContainer(string containerId, IEnumerable<int> pids)
    {
        foreach (int pid in pids)
        {
            if (Of(pid) is { } namespaces)
            {
                Learn(namespaces, containerId, pid);
            }
        }
    }

    /// <summary>Scans every live process in a container now, unless a scan ran less than <see cref="MinScanInterval"/> ago; true when it scanned.</summary>
    public bool Scan()
    {
        long now = _milliseconds();
        if (_lastScan is long last && now - last < (long)MinScanInterval.TotalMilliseconds)
        {
            return false;
        }
        _lastScan = now;
        Scans++;
        foreach ((int pid, string id) in ContainerProcessScan.Processes(procRoot))
        {
            if (Of(pid) is { } namespaces)
            {
                Learn(namespaces, id, pid);
            }
        }
        return true;
    }

    /// <summary>The container owning <paramref name="namespaces"/>; null for the host or when no container is known to own them.</summary>
    public string? OwnerOf(TaskNamespaces namespaces)
    {
        if (_owners.TryGetValue(namespaces, out var owner) && Of(owner.Witness) == namespaces)
        {
            return owner.ContainerId;
        }
        if (Scan() && _owners.TryGetValue(namespaces, out owner) && Of(owner.Witness) == namespaces)
        {
            return owner.ContainerId;
        }
        if (_owners.TryGetValue(namespaces, out owner))
        {
            return owner.ContainerId; // nobody alive holds these namespaces now: their last known owner fired
        }
        return Agreed(_owners.Where(o => o.Key.Mount == namespaces.Mount)) ?? Agreed(_owners.Where(o => o.Key.Pid == namespaces.Pid));
    }

    private static string? Agreed(IEnumerable<KeyValuePair<TaskNamespaces, (string? ContainerId, int Witness)>> owners)
    {
        var ids = owners.Select(o => o.Value.ContainerId).Distinct().Take(2).ToList();
        return ids.Count == 1 ? ids[0] : null;
    }
}
