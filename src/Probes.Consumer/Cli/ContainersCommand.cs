using System.CommandLine;
using Probes.Consumer.Output.Listings;
using Probes.Consumer.Targets.Containers;

namespace Probes.Consumer.Cli;

/// <summary>
/// <c>probes containers</c>: the containers running on this host, with id, name, image,
/// runtime, host pid of the init process, pid and mount namespace inodes (how events are told
/// apart by container), the pod when Kubernetes runs it, and the <c>libprobes.so</c> its
/// processes map, if any, written by <see cref="ContainerListing"/>.
/// </summary>
public static class ContainersCommand
{
    public static Command Create(CliConsole console) => Create(console, () =>
    {
        // The cgroup scan works for anyone; the init pid's maps and namespace links do not.
        var privileges = PrivilegeCheck.Current();
        privileges.Demand("probes containers", tracing: false, privileges.EveryContainerReason());
        return ContainerCatalog.Current();
    });

    /// <summary>The verb over any source of containers (tests pass a catalog over a fake /proc).</summary>
    internal static Command Create(CliConsole console, Func<IReadOnlyList<HostContainer>> containers)
    {
        var command = new Command("containers", "List the containers on this host: id, name, image, runtime, init pid, namespaces, and whether they load libprobes.so.");
        command.SetAction(parseResult =>
        {
            IReadOnlyList<HostContainer> listed = containers();
            if (parseResult.GetValue(CommonOptions.Json))
            {
                console.Out.Write(ContainerListing.Json(listed));
            }
            else if (listed.Count == 0)
            {
                console.WriteNote("no running containers found");
            }
            else
            {
                ContainerListing.WriteTable(listed, console.Terminal);
            }
            return (int)ExitCode.Success;
        });
        return command;
    }
}
