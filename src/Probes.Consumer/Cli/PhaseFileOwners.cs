using System.Globalization;
using Probes.Consumer.Targets;

namespace Probes.Consumer.Cli;

/// <summary>
/// For <c>phases --container A --container B</c>: which of the traced containers each attached
/// file serves, so the uprobes that served only a removed container can be detached while the
/// others keep counting. <see cref="PhaseTargets"/> attaches each distinct file (device and
/// inode) once, reached through the first container that maps it; containers of one image share
/// that file. The owners are therefore found again here, from the containers' own
/// <c>/proc/PID/maps</c>: a container owns a file when one of its processes maps the same
/// device and inode. A file whose identity cannot be read counts as everyone's, so it stays
/// attached until the last container is gone.
/// </summary>
public sealed class PhaseFileOwners
{
    private readonly Dictionary<string, HashSet<string>> _ownersByHostPath;
    private readonly IReadOnlySet<string> _everyone;

    private PhaseFileOwners(Dictionary<string, HashSet<string>> ownersByHostPath, IReadOnlySet<string> everyone)
    {
        _ownersByHostPath = ownersByHostPath;
        _everyone = everyone;
    }

    /// <param name="probes">What is attached (<see cref="PhaseTargets.Probes"/>): each file with the pid it was found in.</param>
    /// <param name="containerIds">The traced containers.</param>
    public static PhaseFileOwners Find(IEnumerable<ListedProbe> probes, IReadOnlySet<string> containerIds, string procRoot = ProcessTarget.DefaultProcRoot)
    {
        // Every (device, inode) each traced container's processes map.
        var mappedBy = new Dictionary<string, HashSet<(string Device, ulong Inode)>>(StringComparer.Ordinal);
        foreach ((int pid, string id) in new ContainerResolver(procRoot).ScanCgroups())
        {
            if (containerIds.Contains(id))
            {
                if (!mappedBy.TryGetValue(id, out var files))
                {
                    mappedBy[id] = files = [];
                }
                files.UnionWith(Mappings(pid, procRoot).Select(m => (m.Device, m.Inode)));
            }
        }

        var owners = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (TargetFile file in probes.Select(p => p.File).DistinctBy(f => f.HostPath))
        {
            ProcMapping? mapping = file.Pid is int pid ? Mappings(pid, procRoot).FirstOrDefault(m => m.Path == file.Path) : null;
            owners[file.HostPath] = mapping is null || file.ContainerId is null
                ? new HashSet<string>(containerIds, StringComparer.Ordinal)
                : mappedBy.Where(pair => pair.Value.Contains((mapping.Device, mapping.Inode))).Select(pair => pair.Key)
                    .Append(file.ContainerId).ToHashSet(StringComparer.Ordinal);
        }
        return new PhaseFileOwners(owners, containerIds);
    }

    /// <summary>The containers a file (by the host path its uprobes were attached through) serves; every one when unknown.</summary>
    public IReadOnlySet<string> OwnersOf(string hostPath) => _ownersByHostPath.TryGetValue(hostPath, out HashSet<string>? owners) ? owners : _everyone;

    /// <summary>True when every container the file serves is among <paramref name="gone"/>: nobody traced needs it any more.</summary>
    public bool ServesOnly(string hostPath, IReadOnlySet<string> gone) => OwnersOf(hostPath).All(gone.Contains);

    private static List<ProcMapping> Mappings(int pid, string procRoot)
    {
        try
        {
            return ProcessTarget.DistinctFileMappings(File.ReadLines($"{procRoot}/{pid.ToString(CultureInfo.InvariantCulture)}/maps")).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return []; // exited meanwhile: it maps nothing we could detach for
        }
    }
}
