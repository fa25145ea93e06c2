using System.Globalization;
using Probes.Consumer.Output.Json;
using Probes.Consumer.Output.Tables;
using Probes.Consumer.Targets.Containers;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Probes.Consumer.Output.Listings;

/// <summary>
/// <c>probes containers</c>: a table (short ids, "-" for unknown) in the CLI's one table style,
/// or one JSON array (<see cref="ContainerJson"/>: full ids, nulls for unknown values).
/// </summary>
public static class ContainerListing
{
    private static readonly string[] Columns = ["ID", "NAME", "IMAGE", "RUNTIME", "PID", "PIDNS", "MNTNS", "POD", "PROBES"];

    public static IRenderable Table(IReadOnlyList<HostContainer> containers)
    {
        Table table = ProbesTable.Create(Columns);
        foreach (HostContainer container in containers)
        {
            ContainerMetadata metadata = container.Metadata;
            string? pod = metadata.Pod is null ? null : metadata.PodNamespace is null ? metadata.Pod : $"{metadata.PodNamespace}/{metadata.Pod}";
            // Names, images and pod names are chosen by whoever created the container.
            table.AddRow(
                ProbesTable.Plain(metadata.ShortId),
                ProbesTable.Untrusted(metadata.Name),
                ProbesTable.Untrusted(metadata.Image),
                ProbesTable.Plain(ContainerRuntimeNames.Name(metadata.Runtime) ?? "-"),
                ProbesTable.Plain(Number(container.InitPid)),
                ProbesTable.Plain(container.PidNamespace is { } pidNs ? Number(pidNs) : "-"),
                ProbesTable.Plain(container.MountNamespace is { } mntNs ? Number(mntNs) : "-"),
                ProbesTable.Untrusted(pod),
                ProbesTable.Untrusted(container.ProbesLibrary));
        }
        return table;
    }

    public static void WriteTable(IReadOnlyList<HostContainer> containers, IAnsiConsole console) => console.Write(Table(containers));

    public static string Json(IReadOnlyList<HostContainer> containers) => OutputJson.Text<IReadOnlyList<ContainerJson>>(
        containers.Select(container => new ContainerJson(
            container.Metadata.Id,
            container.Metadata.Name,
            container.Metadata.Image,
            ContainerRuntimeNames.Name(container.Metadata.Runtime),
            container.InitPid,
            container.PidNamespace,
            container.MountNamespace,
            container.LoadsProbes,
            container.ProbesLibrary,
            container.Metadata.Pod,
            container.Metadata.PodNamespace)).ToList(),
        OutputJsonContext.Default.IReadOnlyListContainerJson);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
