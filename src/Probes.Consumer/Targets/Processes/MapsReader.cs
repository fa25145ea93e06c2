using System.Text;
using Probes.Consumer.Targets.Files;

namespace Probes.Consumer.Targets.Processes;

/// <summary>Which bound stopped the reading of a maps file early, if any.</summary>
public enum MapsCut
{
    None,
    Lines,
    Bytes,
    Files,
}

/// <summary>The distinct mapped files of one maps file, and whether a bound cut the reading short.</summary>
public sealed record MapsListing(IReadOnlyList<ProcMapping> Files, int LinesRead, MapsCut Cut);

/// <summary>
/// Reads <c>/proc/PID/maps</c> line by line within <see cref="MapsLimits"/>: only the distinct
/// file-backed mappings are kept (the first mapping of each file identity, in address order),
/// so memory stays bounded by the number of files, not the number of mappings.
/// </summary>
public static class MapsReader
{
    private const int ReadBufferBytes = 64 * 1024;

    /// <exception cref="FileNotFoundException">No such process (or directory).</exception>
    /// <exception cref="UnauthorizedAccessException">Not allowed to read it.</exception>
    /// <exception cref="IOException">The process exited during the read (ESRCH).</exception>
    public static MapsListing Read(string mapsPath, MapsLimits limits)
    {
        var files = new List<ProcMapping>();
        var seen = new HashSet<FileIdentity>();
        long bytes = 0;
        int lines = 0;
        // No FileStream buffer: /proc files report length 0 and the StreamReader buffers anyway.
        using var reader = new StreamReader(new FileStream(mapsPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0), Encoding.UTF8, false, ReadBufferBytes);
        while (reader.ReadLine() is { } line)
        {
            if (lines == limits.MaxLines)
            {
                return new MapsListing(files, lines, MapsCut.Lines);
            }
            bytes += Encoding.UTF8.GetByteCount(line) + 1;
            if (bytes > limits.MaxBytes)
            {
                return new MapsListing(files, lines, MapsCut.Bytes);
            }
            lines++;
            if (!ProcMapping.TryParse(line, out ProcMapping? mapping) || !mapping!.IsFileBacked || !seen.Add(mapping.Identity))
            {
                continue;
            }
            if (files.Count == limits.MaxFiles)
            {
                return new MapsListing(files, lines, MapsCut.Files);
            }
            files.Add(mapping);
        }
        return new MapsListing(files, lines, MapsCut.None);
    }
}
