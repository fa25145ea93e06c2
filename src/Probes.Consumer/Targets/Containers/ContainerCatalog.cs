using System.Collections.Concurrent;
using System.Globalization;
using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Targets.Containers;

/// <summary>
/// The containers on this host with their metadata: the model behind <c>probes containers</c>,
/// and the labeller for tracing (<see cref="Metadata"/>: name, image and pod of one container
/// id, asked once and cached, so an event stream costs one lookup per container).
///
/// Processes come from <c>/proc/*/cgroup</c> (every runtime); names from podman for podman
/// containers and from state files for docker, containerd and CRI-O. Each source is
/// injectable: a fake /proc, recorded state roots, a podman path (a missing one disables it).
/// </summary>
public sealed class ContainerCatalog
{
    private readonly string _procRoot;
    private readonly ContainerStateFiles _stateFiles;
    private readonly PodmanState _podman;
    private static readonly TimeSpan RetryUnknownAfter = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, ContainerMetadata> _metadata = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (ContainerMetadata Metadata, long RetryAt)> _unknown = new(StringComparer.Ordinal);
    private readonly Func<long> _clockMs;

    public ContainerCatalog(string procRoot = ProcessTarget.DefaultProcRoot, ContainerStateRoots? stateRoots = null, PodmanState? podman = null, Func<long>? clockMs = null)
    {
        _procRoot = procRoot;
        _clockMs = clockMs ?? (() => Environment.TickCount64);
        _stateFiles = new ContainerStateFiles(stateRoots ?? ContainerStateRoots.Default);
        _podman = podman ?? new PodmanState(null, PodmanState.DefaultTimeout);
    }

    /// <summary>The running containers of this host, as the real /proc and runtimes show them now.</summary>
    public static IReadOnlyList<HostContainer> Current() => new ContainerCatalog().List();

    /// <summary>Every container with running processes, ordered by name (unnamed last), then id.</summary>
    public IReadOnlyList<HostContainer> List()
    {
        IReadOnlyList<ContainerProcesses> scanned = ContainerProcessScan.Scan(_procRoot);
        // One podman call for all of its containers instead of one per container.
        bool askedPodman = scanned.Any(c => c.Runtime is ContainerRuntime.Podman or ContainerRuntime.Unknown);
        IReadOnlyDictionary<string, ContainerMetadata> podman = askedPodman ? _podman.Running() : new Dictionary<string, ContainerMetadata>();
        foreach ((string id, ContainerMetadata metadata) in podman)
        {
            _metadata[id] = metadata;
        }

        var containers = new List<HostContainer>(scanned.Count);
        foreach (ContainerProcesses processes in scanned)
        {
            int init = processes.InitPid(pid => ProcessParent.Of(_procRoot, pid));
            containers.Add(new HostContainer(
                // podman was asked about all of its containers just now: one it did not name (it timed
                // out, or the container is someone else's) must not cost one more podman call each.
                Cached(processes.Id, processes.Runtime, askPodman: false),
                processes.Pids,
                init,
                NamespaceInode.Read(_procRoot, init, "pid"),
                NamespaceInode.Read(_procRoot, init, "mnt"),
                // The init process first: it is the one that usually loads the shim.
                ProbesLibraryFinder.Find(_procRoot, [init, .. processes.Pids.Where(pid => pid != init)])));
        }
        return containers
            .OrderBy(c => c.Metadata.Name is null)
            .ThenBy(c => c.Metadata.Name, StringComparer.Ordinal)
            .ThenBy(c => c.Metadata.Id, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// The metadata of one container (full 64-digit id), cached after the first answer: a
    /// container's name, image and pod do not change while it runs. Pass the runtime when the
    /// cgroup told it (<see cref="CgroupRuntime"/>); otherwise every source is tried. A container
    /// no source knows gets the id and runtime only, and is asked again only after a few seconds:
    /// a container caught while its runtime is still starting it gets its name then, and one no
    /// runtime here knows costs one lookup per few seconds, not one per event. May run podman
    /// (bounded by its timeout): call it off the event path.
    /// </summary>
    public ContainerMetadata Metadata(string containerId, ContainerRuntime runtime = ContainerRuntime.Unknown) =>
        Cached(containerId, runtime, askPodman: true);

    /// <summary>
    /// The container of a host process with its metadata, or null for a host process or one
    /// that has exited. Reads the pid's cgroup each call (pids are reused; callers cache per pid
    /// for as long as they know the process lives); the metadata is cached per container.
    /// </summary>
    public ContainerMetadata? OfProcess(int pid)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"{_procRoot}/{pid.ToString(CultureInfo.InvariantCulture)}/cgroup");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return CgroupContainerId.FromFile(lines) is { } id ? Metadata(id, CgroupRuntime.Of(lines, id)) : null;
    }

    private ContainerMetadata Cached(string id, ContainerRuntime runtime, bool askPodman)
    {
        if (_metadata.TryGetValue(id, out ContainerMetadata? known))
        {
            return known;
        }
        if (_unknown.TryGetValue(id, out var unknown) && _clockMs() < unknown.RetryAt)
        {
            return unknown.Metadata;
        }
        ContainerMetadata found = Lookup(id, runtime, askPodman);
        if (found.Name is null && found.Image is null)
        {
            _unknown[id] = (found, _clockMs() + (long)RetryUnknownAfter.TotalMilliseconds);
            return found;
        }
        _unknown.TryRemove(id, out _);
        return _metadata.GetOrAdd(id, found);
    }

    private ContainerMetadata Lookup(string id, ContainerRuntime runtime, bool askPodman)
    {
        ContainerMetadata? found = runtime == ContainerRuntime.Podman ? null : _stateFiles.Read(id, runtime);
        if (found is null && askPodman && runtime is ContainerRuntime.Podman or ContainerRuntime.Unknown)
        {
            found = _podman.One(id);
        }
        return found ?? ContainerMetadata.Unnamed(id, runtime);
    }
}
