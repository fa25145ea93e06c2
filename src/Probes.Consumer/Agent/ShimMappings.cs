using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Targets.Processes;
using Probes.Consumer.Tracing;

namespace Probes.Consumer.Agent;

/// <summary>
/// One process's mapping of a copy of the shim, as /proc/PID/maps shows it now: the process and
/// the file as it is to be opened through that mapping (never through a path the container controls).
/// </summary>
public sealed record ShimMapping(int Pid, TargetFile File)
{
    /// <summary>The process and the identity its maps show for the file (an overlay's own device in a container).</summary>
    public (int Pid, FileIdentity Identity) Key => (Pid, File.Mapping!.Identity);

    /// <summary>Every mapping of a file named <paramref name="fileName"/> by any process on the host now; processes that exit meanwhile are skipped.</summary>
    public static List<ShimMapping> Scan(string fileName, IDiagnosticSink sink, string procRoot = ProcessTarget.DefaultProcRoot)
    {
        var found = new List<ShimMapping>();
        foreach (int pid in HostProcesses.Pids(procRoot))
        {
            IReadOnlyList<TargetFile> mapped;
            try
            {
                mapped = ProcessTarget.MappedFiles(pid, _ => { }, sink.Detail, procRoot: procRoot);
            }
            catch (ProbesException)
            {
                continue; // gone, or not ours to read
            }
            foreach (TargetFile file in mapped)
            {
                if (Path.GetFileName(file.Path) == fileName && file.Mapping is not null)
                {
                    found.Add(new ShimMapping(pid, file));
                }
            }
        }
        return found;
    }
}
