using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Targets.Files;

/// <summary>
/// The file a uprobe opened through a pinned descriptor lands on, which is not always the file
/// statx describes. The kernel places a uprobe on <c>d_real_inode</c> of the path it is given:
/// for an overlayfs file that is the real upper file (a container that modified the file, by
/// copy-up) or the lower file in the image layer, shared by every container of the image. statx
/// and (since Linux 6.8) /proc/PID/maps report the overlay's own inode instead: its device is the
/// overlay mount's, different in each container, and its number is kept across a copy-up, so
/// neither tells which copies are one file to the kernel.
///
/// What does: mapping the file. overlayfs hands the mapping the real file (<c>vm_file</c> is the
/// same upper or lower file the uprobe will use), so we map one page of each pinned file into
/// this process, ask the kernel which inode backs each of those mappings
/// (<see cref="Bpf.Programs.MappedFileInodes"/>, through the delegate so Targets stays free of BPF), and
/// unmap them. A file that cannot be mapped keeps its statx identity (no process maps it either).
/// </summary>
public static class BackingInode
{
    /// <summary>The identity of the inode behind each file.</summary>
    /// <param name="identitiesOfOurMappings">By start address, the inode behind each file mapping of this process.</param>
    public static Dictionary<PinnedFile, FileIdentity> Of(IEnumerable<PinnedFile> files, Func<IReadOnlyDictionary<ulong, FileIdentity>> identitiesOfOurMappings) =>
        Of(files, identitiesOfOurMappings, LibcFileCalls.Instance);

    internal static Dictionary<PinnedFile, FileIdentity> Of(IEnumerable<PinnedFile> files, Func<IReadOnlyDictionary<ulong, FileIdentity>> identitiesOfOurMappings, IFileCalls calls)
    {
        var identities = new Dictionary<PinnedFile, FileIdentity>();
        var mapped = new List<(PinnedFile File, nint Address)>();
        try
        {
            foreach (PinnedFile file in files.Distinct())
            {
                nint address = calls.MapPage(file.Handle);
                if (address == -1)
                {
                    identities[file] = file.Identity;
                }
                else
                {
                    mapped.Add((file, address));
                }
            }
            if (mapped.Count > 0)
            {
                IReadOnlyDictionary<ulong, FileIdentity> ours = identitiesOfOurMappings();
                foreach ((PinnedFile file, nint address) in mapped)
                {
                    identities[file] = ours.TryGetValue((ulong)address, out FileIdentity backing) ? backing : file.Identity;
                }
            }
            return identities;
        }
        finally
        {
            foreach ((_, nint address) in mapped)
            {
                calls.Unmap(address);
            }
        }
    }

    /// <summary>
    /// The identities /proc/self/maps prints for our file mappings: the real file's before Linux
    /// 6.8, the overlay's since. The fallback when the kernel cannot be asked directly.
    /// </summary>
    public static IReadOnlyDictionary<ulong, FileIdentity> FromOwnMaps() => FromOwnMaps(LibcFileCalls.Instance);

    internal static IReadOnlyDictionary<ulong, FileIdentity> FromOwnMaps(IFileCalls calls)
    {
        var identities = new Dictionary<ulong, FileIdentity>();
        foreach (string line in calls.OwnMaps())
        {
            if (ProcMapping.TryParse(line, out ProcMapping? mapping) && mapping!.Inode != 0)
            {
                identities[mapping.Start] = mapping.Identity;
            }
        }
        return identities;
    }
}
