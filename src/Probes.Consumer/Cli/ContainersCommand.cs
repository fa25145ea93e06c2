using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Probes.Consumer.Output;
using Probes.Consumer.Targets.Containers;

namespace Probes.Consumer.Cli;

/// <summary>
/// <c>probes containers</c>: the containers running on this host, with id, name, image,
/// runtime, host pid of the init process, pid and mount namespace inodes (how events are told
/// apart by container), the pod when Kubernetes runs it, and the <c>libprobes.so</c> its
/// processes map, if any. Text is aligned columns (short ids, "-" for unknown); <c>--json</c> is
/// one array with full ids and nulls for unknown values.
/// </summary>
public static class ContainersCommand
{
    private static readonly string[] Header = ["ID", "NAME", "IMAGE", "RUNTIME", "PID", "PIDNS", "MNTNS", "POD", "PROBES"];

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
                WriteJson(listed, console);
            }
            else
            {
                WriteText(listed, console);
            }
            return (int)ExitCode.Success;
        });
        return command;
    }

    public static void WriteText(IReadOnlyList<HostContainer> containers, CliConsole console)
    {
        if (containers.Count == 0)
        {
            console.WriteNote("no running containers found");
            return;
        }
        // Names, images and pod names are chosen by whoever created the container.
        List<string[]> rows = [Header, .. containers.Select(container => Array.ConvertAll(TextRow(container), TerminalText.Safe))];
        int[] widths = Enumerable.Range(0, Header.Length).Select(column => rows.Max(row => row[column].Length)).ToArray();
        foreach (string[] row in rows)
        {
            var line = new StringBuilder();
            for (int column = 0; column < row.Length; column++)
            {
                line.Append(column == row.Length - 1 ? row[column] : row[column].PadRight(widths[column] + 2));
            }
            console.Out.WriteLine(line.ToString());
        }
    }

    private static string[] TextRow(HostContainer container)
    {
        ContainerMetadata metadata = container.Metadata;
        string pod = metadata.Pod is null ? "-" : metadata.PodNamespace is null ? metadata.Pod : $"{metadata.PodNamespace}/{metadata.Pod}";
        return
        [
            metadata.ShortId,
            metadata.Name ?? "-",
            metadata.Image ?? "-",
            ContainerRuntimeNames.Name(metadata.Runtime) ?? "-",
            Number(container.InitPid),
            container.PidNamespace is { } pidNs ? Number(pidNs) : "-",
            container.MountNamespace is { } mntNs ? Number(mntNs) : "-",
            pod,
            container.ProbesLibrary ?? "-",
        ];
    }

    public static void WriteJson(IReadOnlyList<HostContainer> containers, CliConsole console)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartArray();
            foreach (HostContainer container in containers)
            {
                ContainerMetadata metadata = container.Metadata;
                json.WriteStartObject();
                json.WriteString("id", metadata.Id);
                json.WriteString("name", metadata.Name);
                json.WriteString("image", metadata.Image);
                json.WriteString("runtime", ContainerRuntimeNames.Name(metadata.Runtime));
                json.WriteNumber("pid", container.InitPid);
                WriteNumberOrNull(json, "pid_namespace", container.PidNamespace);
                WriteNumberOrNull(json, "mount_namespace", container.MountNamespace);
                json.WriteBoolean("loads_probes", container.LoadsProbes);
                json.WriteString("probes_library", container.ProbesLibrary);
                json.WriteString("pod", metadata.Pod);
                json.WriteString("pod_namespace", metadata.PodNamespace);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        console.Out.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void WriteNumberOrNull(Utf8JsonWriter json, string name, ulong? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
