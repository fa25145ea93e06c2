using System.Globalization;

namespace Probes.Consumer.Targets.Processes;

/// <summary>
/// Finds the <c>libprobes.so</c> a process maps (our shim: a mapping whose path ends in
/// <c>/libprobes.so</c>), by reading <c>/proc/PID/maps</c>. The path is as the process sees it,
/// inside its own mount namespace. A deleted file still counts: the probes are in memory, even
/// if a tracer can no longer reach them by that path.
/// </summary>
public static class ProbesLibraryFinder
{
    public const string FileName = "libprobes.so";

    /// <summary>The shim's path in the first of <paramref name="pids"/> that maps it, or null.</summary>
    public static string? Find(string procRoot, IEnumerable<int> pids)
    {
        foreach (int pid in pids)
        {
            if (InProcess(procRoot, pid) is { } path)
            {
                return path;
            }
        }
        return null;
    }

    public static string? InProcess(string procRoot, int pid)
    {
        string mapsPath = $"{procRoot}/{pid.ToString(CultureInfo.InvariantCulture)}/maps";
        IEnumerable<string> lines;
        try
        {
            lines = File.ReadLines(mapsPath);
            foreach (ProcMapping mapping in ProcessTarget.DistinctFileMappings(lines))
            {
                string path = mapping.IsDeleted ? mapping.Path[..^" (deleted)".Length] : mapping.Path;
                if (path.EndsWith("/" + FileName, StringComparison.Ordinal))
                {
                    return path;
                }
            }
        }
        catch (UnauthorizedAccessException e)
        {
            throw new TargetAccessException($"cannot read {mapsPath}: permission denied (run as root to inspect containers' processes)", e);
        }
        catch (IOException)
        {
            // The process exited while we looked (ENOENT, ESRCH): it maps nothing any more.
        }
        return null;
    }
}
