using Probes.Consumer.Manifest;
using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Tracing.Discovery;

/// <summary>
/// A process that maps libprobes.so: its pid, comm, command line (bounded), the shim's path as it
/// sees it, its container (null on the host), and the phases its woven assemblies declare.
/// </summary>
public sealed record ProbesProcess(int Pid, string? Comm, string? CommandLine, string Library, ContainerMetadata? Container, IReadOnlyList<string> Phases, int PhasesNotShown);

/// <summary>
/// Every process on the host that maps libprobes.so now (<c>probes ps</c>, <c>-n/--name</c>),
/// one scan of /proc. Processes exit while we look: a vanished one is skipped.
/// </summary>
public static class ProbesProcesses
{
    /// <summary>Declared phases listed per process; a process declaring more says how many more.</summary>
    public const int MaxPhases = 256;

    /// <param name="withPhases">Read the manifests of the process's assemblies (each a file open and a read).</param>
    /// <param name="wanted">Which processes to describe, by pid and comm (null: all).</param>
    public static List<ProbesProcess> Find(IDiagnosticSink sink, bool withPhases, Func<int, string?, bool>? wanted = null, string procRoot = ProcessTarget.DefaultProcRoot, ContainerCatalog? catalog = null)
    {
        catalog ??= new ContainerCatalog(procRoot);
        var found = new List<ProbesProcess>();
        foreach (int pid in HostProcesses.Pids(procRoot))
        {
            string? library;
            try
            {
                library = ProbesLibraryFinder.InProcess(procRoot, pid);
            }
            catch (TargetAccessException e)
            {
                sink.Detail(e.Message);
                continue;
            }
            string? comm = library is null ? null : ProcessCommandLine.Comm(pid, procRoot);
            if (library is null || (wanted is not null && !wanted(pid, comm)))
            {
                continue;
            }
            var phases = new SortedSet<string>(StringComparer.Ordinal);
            if (withPhases)
            {
                try
                {
                    foreach ((_, PhaseManifest manifest) in LoadedAssemblies.Manifests(pid, sink.Warning))
                    {
                        phases.UnionWith(manifest.Phases.Select(p => p.Name));
                    }
                }
                catch (ProbesException e)
                {
                    sink.Detail($"pid {pid}: {e.Message}"); // exited, or its maps unreadable: listed without phases
                }
            }
            found.Add(new ProbesProcess(pid, comm, ProcessCommandLine.Read(pid, procRoot), library, catalog.OfProcess(pid),
                phases.Take(MaxPhases).ToList(), Math.Max(0, phases.Count - MaxPhases)));
        }
        return found;
    }
}
