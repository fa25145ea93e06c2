using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Manifest;

/// <summary>
/// The managed assembly files a running process has mapped, for `probes list --phases --pid`.
/// The runtime maps every assembly it loads from a file, so /proc/PID/maps lists them (within
/// <see cref="TargetLimits"/>). Each is read through its mapping (<see cref="TargetFileOpener"/>:
/// /proc/PID/map_files, or the path resolved inside the process's root, identity checked), never
/// by the path /proc/PID/root + name, which a symlink in a container could point at a host file.
/// Paths are reported as /proc/PID/root + name. Assemblies bundled into a single-file app are
/// not separate files and are not found this way.
/// </summary>
public static class LoadedAssemblies
{
    /// <summary>The distinct .dll/.exe files mapped by <paramref name="pid"/>, in map order, as /proc/PID/root paths.</summary>
    public static IReadOnlyList<string> Of(int pid) => Candidates(pid, _ => { }).Select(file => file.HostPath).ToList();

    /// <summary>The woven assemblies among them, each with its manifest; a file refused or unreadable is passed to <paramref name="warn"/> and skipped.</summary>
    public static IEnumerable<(string Path, PhaseManifest Manifest)> Manifests(int pid, Action<string>? warn = null)
    {
        warn ??= _ => { };
        foreach (TargetFile file in Candidates(pid, warn))
        {
            PhaseManifest? manifest;
            try
            {
                using PinnedFile pinned = TargetFileOpener.Pin(file);
                using var stream = new FileStream(pinned.BorrowHandle(), FileAccess.Read);
                manifest = PhaseManifestReader.Read(stream);
            }
            catch (Exception e) when (e is TargetNotFoundException or TargetAccessException or IOException)
            {
                continue; // unmapped or replaced since /proc/PID/maps was read
            }
            catch (TargetIdentityException e)
            {
                warn(e.Message);
                continue;
            }
            catch (ManifestFormatException e)
            {
                // One malformed assembly must not hide the manifests of the others.
                warn($"pid {pid}: {file.Path}: {e.Message}");
                continue;
            }
            if (manifest is not null)
            {
                yield return (file.HostPath, manifest);
            }
        }
    }

    /// <summary>Whether a mapped path looks like a managed assembly.</summary>
    public static bool IsAssemblyPath(string path) =>
        path.StartsWith('/') && (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".exe", StringComparison.OrdinalIgnoreCase));

    /// <summary>Parses maps lines (<c>start-end perms offset dev inode path</c>); exposed for tests.</summary>
    public static IReadOnlyList<string> Parse(IEnumerable<string> mapsLines, string rootPrefix) =>
        ProcessTarget.DistinctFileMappings(mapsLines).Where(m => IsAssemblyPath(m.Path)).Select(m => rootPrefix + m.Path).ToList();

    private static IEnumerable<TargetFile> Candidates(int pid, Action<string> warn) =>
        ProcessTarget.MappedFiles(pid, _ => { }, warn).Where(file => IsAssemblyPath(file.Path));
}
