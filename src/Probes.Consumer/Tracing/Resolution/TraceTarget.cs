using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Targets.Processes;
using Probes.Consumer.Tracing.Discovery;

namespace Probes.Consumer.Tracing.Resolution;

/// <summary>
/// A <see cref="TargetRequest"/> resolved: the probes to attach, each file pinned
/// (<see cref="TargetFile.Pinned"/>) and attached once per real file (<see cref="DistinctRealFiles"/>),
/// and whose events count. Every target kind comes out the same way: files attached at the file
/// level, so processes that start later (a container's startup) are covered from their first
/// probe; a pid adds the perf pid filter (<see cref="Pid"/>); containers keep only their own
/// events (<see cref="ContainerIds"/>). The <see cref="TracePlan"/> built from <see cref="Probes"/>
/// owns the pinned files from then on.
/// </summary>
public sealed class TraceTarget(
    IReadOnlyList<ListedProbe> probes, string description, ContainerDirectory directory,
    int? pid = null, ProcessIdentity? identity = null, IReadOnlySet<string>? containerIds = null, IReadOnlySet<int>? pids = null)
{
    /// <summary>The probes found (those the verb requires, when it named a <see cref="ProbeRequirement"/>), one pinned file per real file.</summary>
    public IReadOnlyList<ListedProbe> Probes { get; } = probes;

    /// <summary>"pid 42", "container web-1", "3 containers", "image NAME", a path: how messages name the target.</summary>
    public string Description { get; } = description;

    /// <summary>Attributes events to containers; it already knows the containers resolved here.</summary>
    public ContainerDirectory Directory { get; } = directory;

    /// <summary>Only this process (perf pid filter), or null for every process mapping the files.</summary>
    public int? Pid { get; } = pid;

    /// <summary>Who <see cref="Pid"/> was before its probes were found, so a process replaced meanwhile is noticed.</summary>
    public ProcessIdentity? Identity { get; } = identity;

    /// <summary>Only events from these containers count (and these are watched for removal); null keeps all.</summary>
    public IReadOnlySet<string>? ContainerIds { get; } = containerIds;

    /// <summary>Only events from these host pids count (<c>-n/--name</c>); null keeps all.</summary>
    public IReadOnlySet<int>? Pids { get; } = pids;
}
