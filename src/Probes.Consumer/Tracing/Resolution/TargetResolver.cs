using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Targets.Processes;
using Probes.Consumer.Tracing.Discovery;
using Probes.Consumer.Tracing.Run;

namespace Probes.Consumer.Tracing.Resolution;

/// <summary>
/// The one resolver of every target kind (<see cref="TargetRequest"/>): finds the probes,
/// pinning every file as it is found (<see cref="ProbeDiscovery"/>), keeps what the consumer
/// requires (<see cref="ProbeRequirement"/>), and one pinned file per real file
/// (<see cref="DistinctRealFiles"/>: the inode the kernel's uprobe lands on), or every hit would
/// count once per container of an image. A pid's identity is captured before its maps are read,
/// so a process replaced before the attach is noticed (<see cref="AttachGuard"/>).
/// </summary>
public sealed class TargetResolver(IDiagnosticSink sink, string procRoot = ProcessTarget.DefaultProcRoot)
{
    /// <summary>The Probes shim: what <c>--image</c> looks for in the layers and <c>--all</c> in every process.</summary>
    public const string ShimFileName = "libprobes.so";

    /// <param name="requirement">The probes the consumer needs from each target; null keeps every probe found.</param>
    /// <param name="directory">Where resolved containers are remembered for event attribution; a new one when null.</param>
    public TraceTarget Resolve(TargetRequest request, ProbeRequirement? requirement = null, ContainerDirectory? directory = null)
    {
        directory ??= new ContainerDirectory(procRoot);
        var discovery = new ProbeDiscovery(sink, procRoot, keepPinned: true);
        List<ListedProbe> OnePerRealFile(IReadOnlyList<ListedProbe> found) => DistinctRealFiles.Keep(found, sink.Detail, sink.Warning);

        if (request.File is { } file)
        {
            return new TraceTarget(OnePerRealFile(Required(discovery.ListFile(file), file, requirement)), file, directory);
        }
        if (request.Pid is int pid)
        {
            // Who the pid is before its maps are read.
            ProcessIdentity identity = ProcessWatch.Capture(pid, procRoot);
            string description = $"pid {pid}";
            return new TraceTarget(OnePerRealFile(Required(discovery.ListProcess(pid), description, requirement)), description, directory, pid, identity);
        }
        if (request.Image is { } glob && Glob.IsGlob(glob))
        {
            IReadOnlyList<string> images = ImageLayers.Matching(glob, Glob.Matches);
            if (images.Count == 0)
            {
                throw new TargetNotFoundException($"podman has no image matching '{glob}'");
            }
            var shims = new List<TargetFile>();
            foreach (string each in images)
            {
                try
                {
                    shims.Add(ImageLayers.FindShim(each, ShimFileName));
                }
                catch (TargetNotFoundException e)
                {
                    sink.Warning($"{e.Message}; tracing the other images matching '{glob}'");
                }
            }
            string description = $"{images.Count} image(s) matching '{glob}'";
            sink.Detail($"--image {glob}: {string.Join(", ", images)}");
            return new TraceTarget(OnePerRealFile(Required(discovery.ListFiles(shims), description, requirement)), description, directory);
        }
        if (request.Image is { } image)
        {
            TargetFile shim = ImageLayers.FindShim(image, ShimFileName);
            sink.Detail($"image {image}: attaching to {shim.Path} in its layer, so every container of it is covered");
            string description = $"image {image}";
            return new TraceTarget(OnePerRealFile(Required(discovery.ListFile(shim), description, requirement)), description, directory);
        }
        if (request.Containers.Count > 0)
        {
            (List<ListedProbe> probes, HashSet<string> ids) = Containers(request.Containers, requirement, discovery, directory);
            string description = request.Containers.Count == 1 ? $"container {request.Containers[0]}" : $"{request.Containers.Count} containers";
            return new TraceTarget(OnePerRealFile(probes), description, directory, containerIds: ids);
        }
        if (request.All)
        {
            List<TargetFile> shims = RunningShims.Find(ShimFileName, sink, procRoot);
            if (shims.Count == 0)
            {
                throw new TargetNotFoundException($"no running process maps {ShimFileName}; start one, or use --image to wait for containers of an image");
            }
            return new TraceTarget(OnePerRealFile(Required(discovery.ListFiles(shims), "the running processes", requirement)), $"{shims.Count} copies of {ShimFileName} on this host", directory);
        }
        if (request.Name is { } name)
        {
            List<int> pids = ProbesProcesses.Find(sink, withPhases: false, (pid, comm) => ProcessNames.Matches(name, comm, ProcessCommandLine.Read(pid, procRoot)), procRoot)
                .Select(p => p.Pid).ToList();
            List<TargetFile> shims = pids.Count == 0 ? [] : RunningShims.Find(ShimFileName, sink, procRoot, pids);
            if (shims.Count == 0)
            {
                throw new TargetNotFoundException($"no running process named '{name}' maps {ShimFileName} (see 'probes ps')");
            }
            sink.Detail($"--name {name}: pids {string.Join(", ", pids)}");
            string description = $"{pids.Count} process(es) named '{name}'";
            return new TraceTarget(OnePerRealFile(Required(discovery.ListFiles(shims), description, requirement)), description, directory, pids: pids.ToHashSet());
        }
        throw new UsageException("give a target: FILE, --pid, --container, --image, --all or --name");
    }

    /// <summary>
    /// Each container's probes, attached at the file level and filtered to the containers. With
    /// several, one whose probes do not meet the requirement (no shim, or a shim refused as hostile)
    /// is left out with a warning: it must not stop the measurement of the others.
    /// </summary>
    private (List<ListedProbe> Probes, HashSet<string> Ids) Containers(
        IReadOnlyList<string> containers, ProbeRequirement? requirement, ProbeDiscovery discovery, ContainerDirectory directory)
    {
        var probes = new List<ListedProbe>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var resolver = new ContainerResolver(procRoot);
        containers = ExpandGlobs(containers);
        try
        {
            foreach (string nameOrId in containers)
            {
                ContainerInfo container = resolver.Resolve(nameOrId, sink.Detail);
                directory.Remember(container);
                IReadOnlyList<ListedProbe> found = discovery.ListContainer(container);
                string where = $"container {nameOrId}";
                if (containers.Count > 1 && requirement is not null && !requirement.IsMetBy(found))
                {
                    ListedProbe.ReleaseFiles(found);
                    sink.Warning($"{requirement.NotMetBy(where)}; measuring the other containers");
                    continue;
                }
                ids.Add(container.Id);
                probes.AddRange(Required(found, where, requirement));
            }
            if (probes.Count == 0 && requirement is not null)
            {
                throw new TargetNotFoundException(requirement.NotMetByAny(containers.Count));
            }
        }
        catch
        {
            ListedProbe.ReleaseFiles(probes);
            throw;
        }
        return (probes, ids);
    }

    /// <summary>
    /// <c>--container 'web-*'</c>: a value with <c>*</c> or <c>?</c> stands for every running
    /// container whose name or full id it matches (by id, so each is resolved once); none is not found.
    /// </summary>
    private IReadOnlyList<string> ExpandGlobs(IReadOnlyList<string> containers)
    {
        if (!containers.Any(Glob.IsGlob))
        {
            return containers;
        }
        IReadOnlyList<HostContainer> running = new ContainerCatalog(procRoot).List();
        var expanded = new List<string>();
        foreach (string value in containers)
        {
            if (!Glob.IsGlob(value))
            {
                expanded.Add(value);
                continue;
            }
            List<string> ids = running.Where(c => Glob.Matches(value, c.Metadata.Id) || (c.Metadata.Name is { } name && Glob.Matches(value, name)))
                .Select(c => c.Metadata.Id).ToList();
            if (ids.Count == 0)
            {
                throw new TargetNotFoundException($"no running container matches '{value}'");
            }
            sink.Detail($"--container {value}: {ids.Count} container(s)");
            expanded.AddRange(ids);
        }
        return expanded.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The probes the requirement wants (all without one); the pinned files of the others are closed here.</summary>
    private static List<ListedProbe> Required(IReadOnlyList<ListedProbe> found, string where, ProbeRequirement? requirement)
    {
        if (requirement is null)
        {
            return found.ToList();
        }
        if (!requirement.IsMetBy(found))
        {
            ListedProbe.ReleaseFiles(found);
            throw new TargetNotFoundException(requirement.NotMetBy(where));
        }
        List<ListedProbe> wanted = found.Where(requirement.Wants).ToList();
        var kept = wanted.Select(p => p.File.Pinned).ToHashSet();
        ListedProbe.ReleaseFiles(found.Where(p => !kept.Contains(p.File.Pinned)));
        return wanted;
    }
}
