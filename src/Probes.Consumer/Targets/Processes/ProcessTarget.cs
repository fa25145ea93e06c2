using Probes.Consumer.Targets.Files;

namespace Probes.Consumer.Targets.Processes;

/// <summary>The ELF candidates of one running process: every distinct file it maps.</summary>
public static class ProcessTarget
{
    public const string DefaultProcRoot = "/proc";

    /// <summary>
    /// The distinct files <paramref name="pid"/> maps (one per device and inode), each with the
    /// mapping it is to be opened through (<see cref="TargetFileOpener"/>). Deleted files are
    /// passed to <paramref name="note"/> instead (verbose output); a bound of
    /// <paramref name="limits"/> that is hit is passed to <paramref name="warn"/>.
    /// </summary>
    public static IReadOnlyList<TargetFile> MappedFiles(
        int pid, Action<string> note, Action<string> warn, string? containerId = null, string procRoot = DefaultProcRoot, MapsLimits? limits = null)
    {
        limits ??= MapsLimits.Default;
        string mapsPath = $"{procRoot}/{pid}/maps";
        MapsListing listing;
        try
        {
            listing = MapsReader.Read(mapsPath, limits);
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

        switch (listing.Cut)
        {
            case MapsCut.Lines:
                warn($"pid {pid}: {mapsPath} has more than {limits.MaxLines} lines; examined the first {limits.MaxLines}");
                break;
            case MapsCut.Bytes:
                warn($"pid {pid}: {mapsPath} is longer than {limits.MaxBytes} bytes; examined its first {listing.LinesRead} lines");
                break;
            case MapsCut.Files:
                warn($"pid {pid} maps more than {limits.MaxFiles} files; examined the first {limits.MaxFiles}");
                break;
        }

        var files = new List<TargetFile>();
        foreach (ProcMapping mapping in listing.Files)
        {
            if (mapping.IsDeleted)
            {
                note($"pid {pid}: skipping {mapping.Path}: the file was deleted after it was mapped");
                continue;
            }
            files.Add(new TargetFile(mapping.Path, $"{procRoot}/{pid}/root{mapping.Path}", pid, containerId)
            {
                Mapping = new MappedRegion(procRoot, pid, mapping.Start, mapping.End, mapping.Identity),
            });
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
