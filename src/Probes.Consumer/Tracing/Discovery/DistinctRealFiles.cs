using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Targets.Files;

namespace Probes.Consumer.Tracing.Discovery;

/// <summary>
/// One uprobe per real file and site, however many containers, processes or paths reach it.
/// Replicas of one image each map the shim through their own overlayfs mount (another device,
/// the same inode number), yet the kernel puts every uprobe opened through any of them on the
/// one lower file; attaching once per copy would fire every program N times per hit. The files
/// found are therefore grouped by the inode the kernel's uprobe lands on
/// (<see cref="BackingInode"/>): the first pinned file of each group is kept, the others are
/// closed, and the kept one records which other containers it serves
/// (<see cref="TargetFile.SharedWith"/>). A container that modified its copy (copy-up) has its
/// own upper file, so it keeps its own uprobe.
/// </summary>
public static class DistinctRealFiles
{
    /// <summary>The probes of one pinned file per real file; the pinned files left out are closed.</summary>
    public static List<ListedProbe> Keep(IReadOnlyList<ListedProbe> probes, Action<string> note, Action<string> warn) =>
        Keep(probes, note, () => KernelAnswer(warn));

    /// <param name="identitiesOfOurMappings">By start address, the inode behind each file mapping of this process (tests pass their own).</param>
    public static List<ListedProbe> Keep(IReadOnlyList<ListedProbe> probes, Action<string> note, Func<IReadOnlyDictionary<ulong, FileIdentity>> identitiesOfOurMappings)
    {
        List<TargetFile> files = probes.Select(p => p.File).Where(f => f.Pinned is not null).DistinctBy(f => f.Pinned).ToList();
        if (files.Count < 2)
        {
            return probes.ToList();
        }
        Dictionary<PinnedFile, FileIdentity> real = BackingInode.Of(files.Select(f => f.Pinned!), identitiesOfOurMappings);

        var keptFiles = new Dictionary<PinnedFile, TargetFile>();
        foreach (IGrouping<FileIdentity, TargetFile> group in files.GroupBy(f => real[f.Pinned!]))
        {
            TargetFile kept = group.First();
            foreach (TargetFile duplicate in group.Skip(1))
            {
                note($"{Describe(duplicate)} is the same file as {Describe(kept)} ({group.Key}): one uprobe serves both");
                duplicate.Pinned!.Dispose();
            }
            var sharedWith = group.Skip(1).Select(f => f.ContainerId).OfType<string>().Where(id => id != kept.ContainerId).ToHashSet(StringComparer.Ordinal);
            keptFiles[kept.Pinned!] = sharedWith.Count == 0 ? kept : kept with { SharedWith = sharedWith };
        }
        return probes
            .Where(p => p.File.Pinned is null || keptFiles.ContainsKey(p.File.Pinned))
            .Select(p => p.File.Pinned is { } pinned ? p with { File = keptFiles[pinned] } : p)
            .ToList();
    }

    /// <summary>The inode the kernel's uprobe lands on for each pinned file (a node agent compares new files with those it attached before).</summary>
    public static Dictionary<PinnedFile, FileIdentity> RealIdentities(IEnumerable<PinnedFile> files, Action<string> warn) =>
        BackingInode.Of(files, () => KernelAnswer(warn));

    /// <summary>The kernel's answer; when it cannot be asked, what our own maps say (right before Linux 6.8, per overlay mount since).</summary>
    private static IReadOnlyDictionary<ulong, FileIdentity> KernelAnswer(Action<string> warn)
    {
        try
        {
            return MappedFileInodes.OfCurrentProcess().ToDictionary(m => m.Start, m => FileIdentity.FromKernelDevice(m.Device, m.Inode));
        }
        catch (BpfException e)
        {
            warn($"cannot ask the kernel which file backs each overlayfs copy ({e.Message}); copies in containers of one image may each get a uprobe and count every event once per container");
            return BackingInode.FromOwnMaps();
        }
    }

    private static string Describe(TargetFile file) => file.Pid is int pid ? $"{file.Path} of pid {pid}" : file.Path;
}
