using System.Globalization;

namespace Probes.Consumer.Manifest;

/// <summary>
/// The managed assembly files a running process has mapped, for `probes list --pid`. The
/// runtime maps every assembly it loads from a file, so /proc/PID/maps lists them; paths are
/// returned through /proc/PID/root so they resolve inside the process's own mount namespace
/// (a container) as well. Assemblies bundled into a single-file app are not separate files
/// and are not found this way.
/// </summary>
public static class LoadedAssemblies
{
    /// <summary>The distinct .dll/.exe files mapped by <paramref name="pid"/>, in map order.</summary>
    public static IReadOnlyList<string> Of(int pid) => Parse(File.ReadLines($"/proc/{pid}/maps"), $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/root");

    /// <summary>The woven assemblies among them, each with its manifest.</summary>
    public static IEnumerable<(string Path, PhaseManifest Manifest)> Manifests(int pid)
    {
        foreach (string path in Of(pid))
        {
            PhaseManifest? manifest;
            try
            {
                manifest = PhaseManifestReader.Read(path);
            }
            catch (IOException)
            {
                continue; // unmapped or replaced since /proc/PID/maps was read
            }
            if (manifest is not null)
            {
                yield return (path, manifest);
            }
        }
    }

    /// <summary>Parses maps lines (<c>start-end perms offset dev inode path</c>); exposed for tests.</summary>
    public static IReadOnlyList<string> Parse(IEnumerable<string> mapsLines, string rootPrefix)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var files = new List<string>();
        foreach (string line in mapsLines)
        {
            string[] fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 6)
            {
                continue;
            }
            string path = fields[5].Trim();
            bool managedCandidate = path.StartsWith('/')
                && (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".exe", StringComparison.OrdinalIgnoreCase));
            if (managedCandidate && seen.Add(path))
            {
                files.Add(rootPrefix + path);
            }
        }
        return files;
    }
}
