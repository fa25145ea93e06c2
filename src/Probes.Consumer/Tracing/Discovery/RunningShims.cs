using Probes.Consumer.Targets.Files;
using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Tracing.Discovery;

/// <summary>
/// Every copy of a shared library that a running process maps now (<c>phases --all</c>): one
/// per distinct file (device and inode), each to be opened through the mapping of the first
/// process found with it.
/// </summary>
public static class RunningShims
{
    /// <param name="pids">Only these processes (null: every process on the host).</param>
    public static List<TargetFile> Find(string fileName, IDiagnosticSink sink, string procRoot = ProcessTarget.DefaultProcRoot, IEnumerable<int>? pids = null)
    {
        var seen = new HashSet<FileIdentity>();
        var files = new List<TargetFile>();
        foreach (int pid in pids ?? HostProcesses.Pids(procRoot))
        {
            IReadOnlyList<TargetFile> mapped;
            try
            {
                mapped = ProcessTarget.MappedFiles(pid, _ => { }, sink.Warning, procRoot: procRoot);
            }
            catch (ProbesException)
            {
                continue; // gone, or not ours to read
            }
            foreach (TargetFile file in mapped)
            {
                if (Path.GetFileName(file.Path) == fileName && file.Mapping is { } mapping && seen.Add(mapping.Identity))
                {
                    sink.Detail($"pid {pid} maps {file.Path} ({mapping.Identity})");
                    files.Add(file);
                }
            }
        }
        return files;
    }
}
