using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Targets.Containers;

/// <summary>The container a process belongs to: its full id and, when the runtime knows it, its name.</summary>
/// <param name="Identified">False for a container that could not be identified (<see cref="ContainerDirectory.Unidentified"/>):
/// its id is then <c>pidns-INODE</c>, its name says so, and it is never the host.</param>
public sealed record ContainerRef(string Id, string? Name, bool Identified = true)
{
    public string ShortId => Id.Length > 12 ? Id[..12] : Id;

    public string DisplayName => Name ?? ShortId;
}

/// <summary>
/// Attributes events to containers while tracing, by what the BPF record carries from the
/// moment the probe fired: the host pid and the task's pid and mount namespace inodes.
/// The first event of a process whose namespaces are still the process's own (it runs, and its
/// pid was not reused) is attributed by its cgroup, and teaches <see cref="NamespaceOwners"/>
/// whose namespaces those are; a process that has exited by the time its record is read (a
/// <c>podman exec</c> job) is attributed by the namespaces it fired in, which its container
/// still holds. The first event and every new container make a scan of the live containers'
/// namespaces, so a container whose processes all exit while we are busy elsewhere (asking podman
/// a name) is still known. The cgroup id does not tell containers apart on a host whose
/// containers stay in the cgroup v2 root (hybrid cgroups); namespaces do everywhere.
///
/// Results are cached per process (host pid and its namespaces: a pid reused in other namespaces
/// is a new process). Records without namespaces (no kernel BTF) fall back to the pid's cgroup
/// when the record is read. The number of containers remembered is bounded, and past the bound
/// podman is not asked for names, since a container that can make cgroups could otherwise make
/// the consumer run podman once per invented id.
///
/// A container can live shorter than the tracer takes to read its first record (a loaded host,
/// the reader's poll interval, a podman lookup for another container): its process has exited,
/// nobody holds its namespaces, and its cgroup is gone. Such an event is still not the host's
/// when it fired outside the host's pid namespace. If it came from a container's init (pid 1 in
/// its namespace), <paramref name="initOwnerOf"/> asks the runtime's own record of which
/// container's init had that host pid (<see cref="ExitedContainerInits"/>); otherwise, or when
/// that does not answer, the event goes to a container named by its pid namespace
/// (<see cref="Unidentified"/>), which is never merged with the host or with another container.
/// </summary>
public sealed class ContainerDirectory(string procRoot = ProcessTarget.DefaultProcRoot, Func<string, string?>? nameOf = null, NamespaceOwners? owners = null,
    Func<int, string?>? initOwnerOf = null)
{
    private const int MaxRemembered = 65_536;
    public const int MaxContainers = 4_096;
    private readonly Dictionary<(int Pid, TaskNamespaces Namespaces), ContainerRef?> _byProcess = new();
    private readonly Dictionary<string, ContainerRef> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<TaskNamespaces, int> _initOf = new();
    private readonly Func<string, string?> _nameOf = nameOf ?? PodmanNames.NameOf;
    private readonly NamespaceOwners _owners = owners ?? new NamespaceOwners(procRoot);
    private readonly Func<int, string?> _initOwnerOf = initOwnerOf ?? ExitedContainerInits.Default.OwnerOf;
    private readonly Lazy<ulong?> _hostPidNamespace = new(() => OwnPidNamespace(procRoot));
    private bool _scanned;

    /// <summary>
    /// The container of the process that fired an event: <paramref name="pid"/> is its host pid,
    /// <paramref name="pidNamespace"/> and <paramref name="mountNamespace"/> the namespace inodes
    /// the BPF program read (0: unknown), <paramref name="namespacePid"/> its pid in its own pid
    /// namespace (0: unknown).
    /// </summary>
    public ContainerRef? Of(int pid, uint pidNamespace = 0, uint mountNamespace = 0, int namespacePid = 0)
    {
        var key = (pid, new TaskNamespaces(pidNamespace, mountNamespace));
        if (_byProcess.TryGetValue(key, out ContainerRef? known))
        {
            return known;
        }
        if (_byProcess.Count >= MaxRemembered)
        {
            _byProcess.Clear(); // pids are reused; a bounded cache that forgets is cheaper than a stale one
        }
        return _byProcess[key] = Lookup(pid, key.Item2, namespacePid);
    }

    /// <summary>
    /// The stand-in for a container that ran outside the host's pid namespace and could not be
    /// identified: keyed by its pid namespace, so its events stay together and apart from everyone else's.
    /// </summary>
    public static ContainerRef Unidentified(uint pidNamespace) =>
        new($"pidns-{pidNamespace}", $"unidentified (pid ns {pidNamespace})", Identified: false);

    /// <summary>Display names of the containers seen so far, by full id.</summary>
    public IReadOnlyDictionary<string, string> Names =>
        _byId.Values.Where(c => c.Name is not null).ToDictionary(c => c.Id, c => c.Name!, StringComparer.Ordinal);

    /// <summary>Tells the directory a container's name up front (from --container resolution).</summary>
    public void Remember(string id, string? name) => _byId[id] = new ContainerRef(id, name);

    /// <summary>Tells the directory a resolved container: its name, and the namespaces its processes run in now.</summary>
    public void Remember(ContainerInfo container)
    {
        Remember(container.Id, container.Name);
        _owners.LearnContainer(container.Id, container.Pids);
    }

    private ContainerRef? Lookup(int pid, TaskNamespaces namespaces, int namespacePid)
    {
        if (namespaces == default)
        {
            return Container(CgroupOf(pid));
        }
        if (!_scanned)
        {
            _scanned = _owners.Scan();
        }
        if (namespacePid == 1)
        {
            // One pid namespace has one pid 1 all its life: another host pid as pid 1 in the same
            // numbers means the numbers were freed and reused by a new container, and what was
            // learned about the old one (whose witnesses have all exited) no longer holds.
            if (_initOf.TryGetValue(namespaces, out int init) && init != pid)
            {
                _owners.Forget(namespaces);
            }
            if (_initOf.Count >= MaxRemembered)
            {
                _initOf.Clear();
            }
            _initOf[namespaces] = pid;
        }
        // The process itself, if it still runs in the namespaces it fired in (else it exited, or its pid was reused).
        if (_owners.Of(pid) == namespaces)
        {
            string? id = CgroupOf(pid);
            if (_owners.Of(pid) == namespaces)
            {
                _owners.Learn(namespaces, id, pid);
                if (id is not null && !_byId.ContainsKey(id))
                {
                    _owners.Scan(); // a new container: learn its neighbours before podman is asked its name
                }
                return Container(id);
            }
        }
        // A pid 1 that is gone took its pid namespace with it: whoever holds those numbers now is a
        // new container that reused them (containers started back to back on a loaded host do).
        if (namespacePid == 1)
        {
            if (_owners.LearnedFrom(namespaces, pid) is { } witnessed)
            {
                return Container(witnessed);
            }
        }
        else if (_owners.OwnerOf(namespaces) is { } owner)
        {
            return Container(owner);
        }
        if (_hostPidNamespace.Value is not { } host || namespaces.Pid == host)
        {
            return null; // the host (a host process may have a mount namespace of its own)
        }
        // Gone, in namespaces nobody alive holds: a container that exited before its record was read.
        if (namespacePid == 1 && _initOwnerOf(pid) is { } exited)
        {
            _owners.Learn(namespaces, exited, pid); // its other processes' events need not ask again
            return Container(exited);
        }
        ContainerRef unidentified = Unidentified(namespaces.Pid);
        if (_byId.Count < MaxContainers)
        {
            _byId.TryAdd(unidentified.Id, unidentified); // so the report shows what it is
        }
        return unidentified;
    }

    /// <summary>
    /// The pid namespace this /proc shows, which is ours: the host's when we trace from the host
    /// (or share its pids). Not pid 1's, whose links even root may not read (ptrace access mode).
    /// </summary>
    private static ulong? OwnPidNamespace(string procRoot)
    {
        try
        {
            return new FileInfo($"{procRoot}/self/ns/pid").LinkTarget is { } target ? NamespaceInode.Parse(target, "pid") : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private string? CgroupOf(int pid)
    {
        try
        {
            return CgroupContainerId.FromFile(File.ReadAllLines($"{procRoot}/{pid}/cgroup"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private ContainerRef? Container(string? id)
    {
        if (id is null)
        {
            return null;
        }
        if (_byId.TryGetValue(id, out ContainerRef? container))
        {
            return container;
        }
        if (_byId.Count >= MaxContainers)
        {
            return new ContainerRef(id, null);
        }
        return _byId[id] = new ContainerRef(id, _nameOf(id));
    }
}
