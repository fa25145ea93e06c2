using System.Globalization;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Targets.Processes;
using Probes.Consumer.Tracing.Discovery;

namespace Probes.Consumer.Tracing.Run;

/// <summary>
/// For a run over several containers (<c>phases --container A --container B</c>): which of the traced containers each attached
/// file serves, so the uprobes that served only a removed container can be detached while the
/// others keep counting. <see cref="Resolution.TargetResolver"/> attaches each real file (the inode the
/// kernel's uprobe lands on) once, through the first container that maps it; containers of one image share that
/// file. The owners are the containers whose copies turned out to be that same real file
/// (<see cref="TargetFile.SharedWith"/>, from the attach), and those found again here from the
/// containers' own <c>/proc/PID/maps</c>: a container owns a file when one of its processes maps
/// that device and inode. A file without a known identity, and a container whose maps could not be read whole,
/// count as sharing everything, so nothing is detached that someone may still use.
/// Files are keyed by <see cref="TargetFile.KernelPath"/>, the path their uprobes were opened with
/// (<see cref="Bpf.Uprobes.UprobeTarget.Path"/>).
/// </summary>
public sealed class ContainerFileOwners
{
    private readonly Dictionary<string, HashSet<string>> _ownersByKernelPath;
    private readonly IReadOnlySet<string> _everyone;

    private ContainerFileOwners(Dictionary<string, HashSet<string>> ownersByKernelPath, IReadOnlySet<string> everyone)
    {
        _ownersByKernelPath = ownersByKernelPath;
        _everyone = everyone;
    }

    /// <param name="probes">What is attached (<see cref="Resolution.TraceTarget.Probes"/>).</param>
    /// <param name="containerIds">The traced containers.</param>
    public static ContainerFileOwners Find(IEnumerable<ListedProbe> probes, IReadOnlySet<string> containerIds, string procRoot = ProcessTarget.DefaultProcRoot,
        MapsLimits? limits = null)
    {
        limits ??= MapsLimits.Default;
        var mappedBy = new Dictionary<string, HashSet<FileIdentity>>(StringComparer.Ordinal);
        var unknown = new HashSet<string>(StringComparer.Ordinal);
        foreach ((int pid, string id) in ContainerProcessScan.Processes(procRoot))
        {
            if (!containerIds.Contains(id))
            {
                continue;
            }
            if (!mappedBy.TryGetValue(id, out HashSet<FileIdentity>? files))
            {
                mappedBy[id] = files = [];
            }
            if (Identities(pid, procRoot, limits) is { } identities)
            {
                files.UnionWith(identities);
            }
            else
            {
                unknown.Add(id);
            }
        }

        var owners = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (TargetFile file in probes.Select(p => p.File).DistinctBy(f => f.KernelPath))
        {
            FileIdentity? identity = file.Pinned?.Identity ?? file.Mapping?.Identity;
            owners[file.KernelPath] = identity is not { } known
                ? new HashSet<string>(containerIds, StringComparer.Ordinal)
                : mappedBy.Where(pair => pair.Value.Contains(known)).Select(pair => pair.Key)
                    .Concat(unknown)
                    .Concat(file.ContainerId is { } found ? [found] : [])
                    .Concat(file.SharedWith)
                    .ToHashSet(StringComparer.Ordinal);
        }
        return new ContainerFileOwners(owners, containerIds);
    }

    /// <summary>The containers a file (by the path its uprobes were opened with) serves; every one when unknown.</summary>
    public IReadOnlySet<string> OwnersOf(string kernelPath) => _ownersByKernelPath.TryGetValue(kernelPath, out HashSet<string>? owners) ? owners : _everyone;

    /// <summary>True when every container the file serves is among <paramref name="gone"/>: nobody traced needs it any more.</summary>
    public bool ServesOnly(string kernelPath, IReadOnlySet<string> gone) => OwnersOf(kernelPath).All(gone.Contains);

    /// <summary>The identities of the files a process maps; null when they cannot all be known (unreadable, or cut by a bound).</summary>
    private static IEnumerable<FileIdentity>? Identities(int pid, string procRoot, MapsLimits limits)
    {
        try
        {
            MapsListing listing = MapsReader.Read($"{procRoot}/{pid.ToString(CultureInfo.InvariantCulture)}/maps", limits);
            return listing.Cut == MapsCut.None ? listing.Files.Select(m => m.Identity) : null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        catch (IOException)
        {
            return []; // exited meanwhile (ENOENT, ESRCH): it maps nothing any more
        }
    }
}
