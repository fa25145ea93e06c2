namespace Probes.Consumer.Targets;

/// <summary>The ELF candidates of one running process: every distinct file it maps.</summary>
public static class ProcessTarget
{
    public const string DefaultProcRoot = "/proc";

    /// <summary>
    /// The distinct file-backed mappings of <paramref name="pid"/>, each reachable through
    /// <c>/proc/PID/root</c>. Deleted files cannot be reached by path and are passed to
    /// <paramref name="note"/> instead (verbose output).
    /// </summary>
    public static IReadOnlyList<TargetFile> MappedFiles(int pid, Action<string> note, string? containerId = null, string procRoot = DefaultProcRoot)
    {
        string mapsPath = $"{procRoot}/{pid}/maps";
        string[] lines;
        try
        {
            lines = File.ReadAllLines(mapsPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TargetNotFoundException($"no process with pid {pid}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new TargetAccessException($"cannot read {mapsPath}: permission denied (run as root to inspect other users' processes)", e);
        }
        catch (IOException e)
        {
            // ESRCH: the process exited between the directory lookup and the read.
            throw new TargetNotFoundException($"process {pid} exited while being read ({e.Message})");
        }

        var files = new List<TargetFile>();
        foreach (ProcMapping mapping in DistinctFileMappings(lines))
        {
            if (mapping.IsDeleted)
            {
                note($"pid {pid}: skipping {mapping.Path}: the file was deleted after it was mapped");
                continue;
            }
            files.Add(new TargetFile(mapping.Path, $"{procRoot}/{pid}/root{mapping.Path}", pid, containerId));
        }
        return files;
    }

    /// <summary>The file-backed mappings of a maps listing, first mapping of each path only, in address order.</summary>
    public static IEnumerable<ProcMapping> DistinctFileMappings(IEnumerable<string> mapsLines)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string line in mapsLines)
        {
            if (ProcMapping.TryParse(line, out ProcMapping? mapping) && mapping!.IsFileBacked && seen.Add(mapping.Path))
            {
                yield return mapping;
            }
        }
    }
}
