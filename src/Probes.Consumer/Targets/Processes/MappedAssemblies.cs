using Probes.Consumer.Targets.Files;

namespace Probes.Consumer.Targets.Processes;

/// <summary>
/// The managed assembly files a running process has mapped. The runtime maps every assembly it
/// loads from a file, so /proc/PID/maps lists them (within <see cref="TargetLimits"/>); each comes
/// back as a <see cref="TargetFile"/>, to be opened through its mapping by
/// <see cref="TargetFileOpener"/>. Paths are reported as /proc/PID/root + name. Assemblies bundled
/// into a single-file app are not separate files and are not found this way.
/// </summary>
public static class MappedAssemblies
{
    /// <summary>The distinct .dll/.exe files mapped by <paramref name="pid"/>, in map order, as /proc/PID/root paths.</summary>
    public static IReadOnlyList<string> Of(int pid) => Files(pid, _ => { }).Select(file => file.HostPath).ToList();

    /// <summary>The distinct .dll/.exe files mapped by <paramref name="pid"/>, in map order; what could not be read is passed to <paramref name="warn"/>.</summary>
    public static IEnumerable<TargetFile> Files(int pid, Action<string> warn) =>
        ProcessTarget.MappedFiles(pid, _ => { }, warn).Where(file => IsAssemblyPath(file.Path));

    /// <summary>Whether a mapped path looks like a managed assembly.</summary>
    public static bool IsAssemblyPath(string path) =>
        path.StartsWith('/') && (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".exe", StringComparison.OrdinalIgnoreCase));

    /// <summary>Parses maps lines (<c>start-end perms offset dev inode path</c>); exposed for tests.</summary>
    public static IReadOnlyList<string> Parse(IEnumerable<string> mapsLines, string rootPrefix) =>
        ProcessTarget.DistinctFileMappings(mapsLines).Where(m => IsAssemblyPath(m.Path)).Select(m => rootPrefix + m.Path).ToList();
}
