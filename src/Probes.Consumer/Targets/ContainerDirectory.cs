namespace Probes.Consumer.Targets;

/// <summary>The container a process belongs to: its full id and, when the runtime knows it, its name.</summary>
public sealed record ContainerRef(string Id, string? Name)
{
    public string ShortId => Id.Length > 12 ? Id[..12] : Id;

    public string DisplayName => Name ?? ShortId;
}

/// <summary>
/// Attributes processes to containers while tracing: each new pid's cgroup is read once (not
/// per event) and each container's name asked of podman once. A pid whose process is already
/// gone, or that runs on the host, maps to null. The cache is keyed by pid and, when the event
/// carries it, the pid namespace: a pid freed in one container and reused in another is then a
/// new process, not the old one's container. The number of containers remembered is bounded,
/// and past the bound podman is not asked for names, since a container that can make cgroups
/// could otherwise make the consumer run podman once per invented id.
/// </summary>
public sealed class ContainerDirectory(string procRoot = ProcessTarget.DefaultProcRoot, Func<string, string?>? nameOf = null)
{
    private const int MaxRemembered = 65_536;
    public const int MaxContainers = 4_096;
    private readonly Dictionary<(int Pid, uint PidNamespace), ContainerRef?> _byPid = new();
    private readonly Dictionary<string, ContainerRef> _byId = new(StringComparer.Ordinal);
    private readonly Func<string, string?> _nameOf = nameOf ?? PodmanNames.NameOf;

    /// <summary>The container of a process; <paramref name="pidNamespace"/> is the event's pid namespace inode (0: unknown).</summary>
    public ContainerRef? Of(int pid, uint pidNamespace = 0)
    {
        if (_byPid.TryGetValue((pid, pidNamespace), out ContainerRef? known))
        {
            return known;
        }
        if (_byPid.Count >= MaxRemembered)
        {
            _byPid.Clear(); // pids are reused; a bounded cache that forgets is cheaper than a stale one
        }
        return _byPid[(pid, pidNamespace)] = Lookup(pid);
    }

    /// <summary>Display names of the containers seen so far, by full id.</summary>
    public IReadOnlyDictionary<string, string> Names =>
        _byId.Values.Where(c => c.Name is not null).ToDictionary(c => c.Id, c => c.Name!, StringComparer.Ordinal);

    /// <summary>Tells the directory a container's name up front (from --container resolution).</summary>
    public void Remember(string id, string? name) => _byId[id] = new ContainerRef(id, name);

    private ContainerRef? Lookup(int pid)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"{procRoot}/{pid}/cgroup");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        if (CgroupContainerId.FromFile(lines) is not { } id)
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
