
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Targets.Files;

namespace Probes.Consumer.Cli;

/// <summary>
/// What a tracing verb was pointed at, resolved: a file (every process mapping it), one
/// process (attachments filtered to its pid), or a container (its files, attached at the file
/// level so processes it starts later are covered, with events filtered to the container).
/// </summary>
public sealed class TraceTarget
{
    private TraceTarget(string? file, int? pid, string? containerName)
    {
        File = file;
        Pid = pid;
        ContainerName = containerName;
    }

    public string? File { get; }

    public int? Pid { get; }

    public string? ContainerName { get; }

    /// <summary>The resolved container, after <see cref="FindProbes"/>.</summary>
    public ContainerInfo? Container { get; private set; }

    public string Description => File is not null ? File
        : Pid is int pid ? $"pid {pid}"
        : Container is { } c ? $"container {c.Name ?? c.Id[..12]}"
        : $"container {ContainerName}";

    public static TraceTarget From(string? file, int? pid, string? container) => new(file, pid, container);

    /// <summary>
    /// The probes of the target, each file pinned (<see cref="TargetFile.Pinned"/>) for the attach,
    /// one pinned file per real file (<see cref="DistinctRealFiles"/>); the <see cref="TracePlan"/>
    /// built from them owns and closes those files.
    /// </summary>
    public IReadOnlyList<ListedProbe> FindProbes(CliConsole console, bool verbose, ContainerDirectory containers)
    {
        void Note(string message)
        {
            if (verbose)
            {
                console.WriteNote(message);
            }
        }
        return DistinctRealFiles.Keep(Find(new ProbeLister(console, verbose, keepPinned: true), containers, Note), Note, console.WriteWarning);
    }

    private IReadOnlyList<ListedProbe> Find(ProbeLister lister, ContainerDirectory containers, Action<string> note)
    {
        if (File is not null)
        {
            return lister.ListFile(File);
        }
        if (Pid is int pid)
        {
            return lister.ListProcess(pid);
        }
        Container = new ContainerResolver().Resolve(ContainerName!, note);
        containers.Remember(Container);
        return lister.ListContainer(Container);
    }
}
