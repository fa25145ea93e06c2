using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Cli;

/// <summary>
/// Where <c>probes phases</c> attaches and whose events it keeps. Every target is reduced to
/// copies of libprobes.so (or any file with <c>probes:phase_*</c> notes) attached at the file
/// level, so processes that start later (a container's startup) are covered from their first
/// probe; a pid target adds the perf pid filter, and container targets keep only their events.
/// One uprobe per real file (the inode the kernel's uprobe lands on, <see cref="DistinctRealFiles"/>),
/// or every hit would count once per container of the image.
/// Every file is pinned when found (<see cref="TargetFile.Pinned"/>); the <see cref="TracePlan"/>
/// built from <see cref="Probes"/> owns and closes them.
/// </summary>
public sealed class PhaseTargets
{
    public const string ShimFileName = "libprobes.so";

    private PhaseTargets(List<ListedProbe> probes, int? pid, HashSet<string>? containerIds, string description)
    {
        Probes = probes;
        Pid = pid;
        ContainerIds = containerIds;
        Description = description;
    }

    /// <summary>The phase probes to attach (every site), one file per distinct inode.</summary>
    public IReadOnlyList<ListedProbe> Probes { get; }

    public int? Pid { get; }

    /// <summary>Only events from these containers count; null keeps all.</summary>
    public IReadOnlySet<string>? ContainerIds { get; }

    public string Description { get; }

    public static PhaseTargets Resolve(
        string? file, int? pid, IReadOnlyList<string> containers, bool all, string? image, CliConsole console, bool verbose, ContainerDirectory directory)
    {
        var lister = new ProbeLister(console, verbose, keepPinned: true);
        void Note(string message)
        {
            if (verbose)
            {
                console.WriteNote(message);
            }
        }

        List<ListedProbe> OnePerRealFile(List<ListedProbe> found) => DistinctRealFiles.Keep(found, Note, console.WriteWarning);

        if (file is not null)
        {
            return new PhaseTargets(OnePerRealFile(PhaseProbes(lister.ListFile(file), file)), null, null, file);
        }
        if (pid is int processId)
        {
            return new PhaseTargets(OnePerRealFile(PhaseProbes(lister.ListProcess(processId), $"pid {processId}")), processId, null, $"pid {processId}");
        }
        if (image is not null)
        {
            TargetFile shim = ImageLayers.FindShim(image, ShimFileName);
            Note($"image {image}: attaching to {shim.Path} in its layer, so every container of it is covered");
            return new PhaseTargets(OnePerRealFile(PhaseProbes(lister.ListFile(shim), $"image {image}")), null, null, $"image {image}");
        }
        if (containers.Count > 0)
        {
            var probes = new List<ListedProbe>();
            var ids = new HashSet<string>(StringComparer.Ordinal);
            var resolver = new ContainerResolver();
            try
            {
                foreach (string nameOrId in containers)
                {
                    ContainerInfo container = resolver.Resolve(nameOrId, Note);
                    directory.Remember(container);
                    IReadOnlyList<ListedProbe> found = lister.ListContainer(container);
                    if (containers.Count > 1 && !HasPhaseProbes(found))
                    {
                        // One container without usable phase probes (no shim, or a shim refused above)
                        // must not stop the measurement of the others.
                        Release(found);
                        console.WriteWarning($"{NoPhaseProbes($"container {nameOrId}")}; measuring the other containers");
                        continue;
                    }
                    ids.Add(container.Id);
                    probes.AddRange(PhaseProbes(found, $"container {nameOrId}"));
                }
                if (probes.Count == 0)
                {
                    throw new TargetNotFoundException($"none of the {containers.Count} containers has probes:phase_begin/phase_end");
                }
            }
            catch
            {
                Release(probes);
                throw;
            }
            return new PhaseTargets(OnePerRealFile(probes), null, ids, containers.Count == 1 ? $"container {containers[0]}" : $"{containers.Count} containers");
        }
        if (all)
        {
            List<TargetFile> shims = RunningShims(Note, console.WriteWarning);
            if (shims.Count == 0)
            {
                throw new TargetNotFoundException($"no running process maps {ShimFileName}; start one, or use --image to wait for containers of an image");
            }
            return new PhaseTargets(OnePerRealFile(PhaseProbes(lister.ListFiles(shims), "the running processes")), null, null, $"{shims.Count} copies of {ShimFileName} on this host");
        }
        throw new UsageException("give a target: FILE, --pid, --container, --image or --all");
    }

    /// <summary>The phase probes; the pinned files that have none are closed here.</summary>
    private static List<ListedProbe> PhaseProbes(IReadOnlyList<ListedProbe> found, string where)
    {
        if (!HasPhaseProbes(found))
        {
            Release(found);
            throw new TargetNotFoundException(NoPhaseProbes(where));
        }
        List<ListedProbe> phases = found.Where(IsPhaseProbe).ToList();
        var kept = phases.Select(p => p.File.Pinned).ToHashSet();
        Release(found.Where(p => !kept.Contains(p.File.Pinned)));
        return phases;
    }

    private static bool IsPhaseProbe(ListedProbe p) => p.Probe.Provider == TracePlan.OwnProvider && p.Probe.Name is "phase_begin" or "phase_end";

    private static bool HasPhaseProbes(IReadOnlyList<ListedProbe> found) =>
        found.Any(p => IsPhaseProbe(p) && p.Probe.Name == "phase_begin") && found.Any(p => IsPhaseProbe(p) && p.Probe.Name == "phase_end");

    private static string NoPhaseProbes(string where) => $"{where} has no probes:phase_begin/phase_end (is {ShimFileName} loaded there?)";

    /// <summary>
    /// Every process mapping a libprobes.so, one per distinct file (device and inode), each to be
    /// opened through that process's mapping.
    /// </summary>
    private static List<TargetFile> RunningShims(Action<string> note, Action<string> warn)
    {
        var seen = new HashSet<FileIdentity>();
        var files = new List<TargetFile>();
        foreach (int pid in HostProcesses.Pids())
        {
            IReadOnlyList<TargetFile> mapped;
            try
            {
                mapped = ProcessTarget.MappedFiles(pid, _ => { }, warn);
            }
            catch (ProbesException)
            {
                continue; // gone, or not ours to read
            }
            foreach (TargetFile file in mapped)
            {
                if (Path.GetFileName(file.Path) == ShimFileName && file.Mapping is { } mapping && seen.Add(mapping.Identity))
                {
                    note($"pid {pid} maps {file.Path} ({mapping.Identity})");
                    files.Add(file);
                }
            }
        }
        return files;
    }

    private static void Release(IEnumerable<ListedProbe> probes)
    {
        foreach (PinnedFile pinned in probes.Select(p => p.File.Pinned).OfType<PinnedFile>().Distinct())
        {
            pinned.Dispose();
        }
    }
}
