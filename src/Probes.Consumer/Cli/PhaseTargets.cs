using System.Globalization;
using Probes.Consumer.Targets;

namespace Probes.Consumer.Cli;

/// <summary>
/// Where <c>probes phases</c> attaches and whose events it keeps. Every target is reduced to
/// copies of libprobes.so (or any file with <c>probes:phase_*</c> notes) attached at the file
/// level, so processes that start later (a container's startup) are covered from their first
/// probe; a pid target adds the perf pid filter, and container targets keep only their events.
/// One uprobe per distinct file (device and inode), or every hit would count twice.
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
        var lister = new ProbeLister(console, verbose);
        void Note(string message)
        {
            if (verbose)
            {
                console.WriteNote(message);
            }
        }

        if (file is not null)
        {
            return new PhaseTargets(PhaseProbes(lister.ListFile(file), file), null, null, file);
        }
        if (pid is int processId)
        {
            return new PhaseTargets(PhaseProbes(lister.ListProcess(processId), $"pid {processId}"), processId, null, $"pid {processId}");
        }
        if (image is not null)
        {
            string shim = ImageLayers.FindShim(image, ShimFileName);
            Note($"image {image}: attaching to {shim} in its layer, so every container of it is covered");
            return new PhaseTargets(PhaseProbes(lister.ListFile(shim), $"image {image}"), null, null, $"image {image}");
        }
        if (containers.Count > 0)
        {
            var probes = new List<ListedProbe>();
            var ids = new HashSet<string>(StringComparer.Ordinal);
            var resolver = new ContainerResolver();
            foreach (string nameOrId in containers)
            {
                ContainerInfo container = resolver.Resolve(nameOrId, Note);
                directory.Remember(container.Id, container.Name);
                IReadOnlyList<ListedProbe> found = lister.ListContainer(container);
                if (containers.Count > 1 && !HasPhaseProbes(found))
                {
                    // One container without usable phase probes (no shim, or a shim refused above)
                    // must not stop the measurement of the others.
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
            return new PhaseTargets(DistinctFiles(probes, ProcessFilesByInode(probes)), null, ids, containers.Count == 1 ? $"container {containers[0]}" : $"{containers.Count} containers");
        }
        if (all)
        {
            List<TargetFile> shims = RunningShims(Note);
            if (shims.Count == 0)
            {
                throw new TargetNotFoundException($"no running process maps {ShimFileName}; start one, or use --image to wait for containers of an image");
            }
            var probes = shims.SelectMany(shim => Safe(() => lister.ListFile(shim.HostPath), Note).Select(p => p with { File = shim })).ToList();
            return new PhaseTargets(PhaseProbes(probes, "the running processes"), null, null, $"{shims.Count} copies of {ShimFileName} on this host");
        }
        throw new UsageException("give a target: FILE, --pid, --container, --image or --all");
    }

    private static List<ListedProbe> PhaseProbes(IReadOnlyList<ListedProbe> found, string where)
    {
        if (!HasPhaseProbes(found))
        {
            throw new TargetNotFoundException(NoPhaseProbes(where));
        }
        return found.Where(IsPhaseProbe).ToList();
    }

    private static bool IsPhaseProbe(ListedProbe p) => p.Probe.Provider == TracePlan.OwnProvider && p.Probe.Name is "phase_begin" or "phase_end";

    private static bool HasPhaseProbes(IReadOnlyList<ListedProbe> found) =>
        found.Any(p => IsPhaseProbe(p) && p.Probe.Name == "phase_begin") && found.Any(p => IsPhaseProbe(p) && p.Probe.Name == "phase_end");

    private static string NoPhaseProbes(string where) => $"{where} has no probes:phase_begin/phase_end (is {ShimFileName} loaded there?)";

    /// <summary>Every process mapping a libprobes.so, one per distinct file (device and inode).</summary>
    private static List<TargetFile> RunningShims(Action<string> note)
    {
        var seen = new HashSet<(string, ulong)>();
        var files = new List<TargetFile>();
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }
            string[] lines;
            try
            {
                lines = File.ReadAllLines(Path.Combine(directory, "maps"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // gone, or a kernel thread
            }
            foreach (ProcMapping mapping in ProcessTarget.DistinctFileMappings(lines))
            {
                if (!mapping.IsDeleted && Path.GetFileName(mapping.Path) == ShimFileName && seen.Add((mapping.Device, mapping.Inode)))
                {
                    note($"pid {pid} maps {mapping.Path} ({mapping.Device} inode {mapping.Inode})");
                    files.Add(new TargetFile(mapping.Path, $"/proc/{pid}/root{mapping.Path}", pid));
                }
            }
        }
        return files;
    }

    /// <summary>(device, inode) of each file a container target found, read from its process's maps.</summary>
    private static Dictionary<string, (string, ulong)> ProcessFilesByInode(List<ListedProbe> probes)
    {
        var identities = new Dictionary<string, (string, ulong)>(StringComparer.Ordinal);
        foreach (TargetFile file in probes.Select(p => p.File).DistinctBy(f => f.HostPath))
        {
            if (file.Pid is not int pid)
            {
                continue;
            }
            try
            {
                ProcMapping? mapping = ProcessTarget.DistinctFileMappings(File.ReadAllLines($"/proc/{pid}/maps")).FirstOrDefault(m => m.Path == file.Path);
                if (mapping is not null)
                {
                    identities[file.HostPath] = (mapping.Device, mapping.Inode);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process left; keep its file by path.
            }
        }
        return identities;
    }

    /// <summary>Keeps the probes of the first file of each inode: containers of one image share one.</summary>
    private static List<ListedProbe> DistinctFiles(List<ListedProbe> probes, Dictionary<string, (string, ulong)> identities)
    {
        var keep = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<(string, ulong)>();
        foreach (string hostPath in probes.Select(p => p.File.HostPath).Distinct(StringComparer.Ordinal))
        {
            if (!identities.TryGetValue(hostPath, out (string, ulong) identity) || seen.Add(identity))
            {
                keep.Add(hostPath);
            }
        }
        return probes.Where(p => keep.Contains(p.File.HostPath)).ToList();
    }

    private static IReadOnlyList<ListedProbe> Safe(Func<IReadOnlyList<ListedProbe>> list, Action<string> note)
    {
        try
        {
            return list();
        }
        catch (ProbesException e)
        {
            note($"skipping: {e.Message}");
            return [];
        }
    }
}
