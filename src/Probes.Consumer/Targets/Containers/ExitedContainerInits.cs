using System.Globalization;

namespace Probes.Consumer.Targets.Containers;

/// <summary>
/// The container whose init process had a given host pid, from the pid file the OCI runtime
/// wrote when it created the container (<c>overlay-containers/ID/userdata/pidfile</c> in the
/// containers/storage run root, podman and CRI-O). The file stays until the container is removed,
/// so it answers for a container that has already exited: one that lived a few hundred
/// milliseconds, fired its probes and exited before the tracer read its first record, when no live
/// process holds its namespaces any more and its cgroup is gone.
///
/// It answers only when exactly one container names the pid: a pid reused by the init of a later
/// container is ambiguous, and the caller then says it does not know rather than guess. The run
/// roots belong to root; still, directory names must be container ids, the files are read up to
/// a few bytes, the number of containers read is bounded, and so is the number of lookups, since
/// each is a listing that a target making pid namespaces in a loop could otherwise repeat.
/// </summary>
public sealed class ExitedContainerInits(IReadOnlyList<string> runRoots)
{
    public const int MaxLookups = ContainerDirectory.MaxContainers;
    private const int MaxPidFileBytes = 32;

    public static ExitedContainerInits Default { get; } = new(ContainerStateRoots.Default.ContainersStorage);

    /// <summary>Lookups made so far (bounded by <see cref="MaxLookups"/>; past it every answer is null).</summary>
    public int Lookups { get; private set; }

    /// <summary>The id of the one container whose init had host pid <paramref name="hostPid"/>; null when none or several did.</summary>
    public string? OwnerOf(int hostPid)
    {
        if (Lookups >= MaxLookups)
        {
            return null;
        }
        Lookups++;
        var owners = new HashSet<string>(StringComparer.Ordinal);
        int read = 0;
        foreach (string root in runRoots)
        {
            foreach (string directory in Containers(root))
            {
                if (++read > ContainerDirectory.MaxContainers)
                {
                    return null; // more containers than we read: another may name the pid too
                }
                string id = Path.GetFileName(directory);
                if (ReadPid(Path.Combine(directory, "userdata", "pidfile")) == hostPid)
                {
                    owners.Add(id);
                }
            }
        }
        return owners.Count == 1 ? owners.Single() : null;
    }

    private static IEnumerable<string> Containers(string root)
    {
        try
        {
            return Directory.EnumerateDirectories(Path.Combine(root, "overlay-containers"))
                .Where(directory => CgroupContainerId.IsId(Path.GetFileName(directory))).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return []; // no such runtime here
        }
    }

    private static int? ReadPid(string path)
    {
        Span<byte> buffer = stackalloc byte[MaxPidFileBytes];
        int length;
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            length = RandomAccess.Read(handle, buffer, 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // not started yet, or removed meanwhile
        }
        return int.TryParse(System.Text.Encoding.ASCII.GetString(buffer[..length]).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0
            ? pid
            : null;
    }
}
