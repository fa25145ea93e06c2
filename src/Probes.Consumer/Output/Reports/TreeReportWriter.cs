using System.Globalization;
using System.Text;
using Probes.Consumer.Output.Json;
using Probes.Consumer.Output.Tables;
using Probes.Consumer.Phases;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Probes.Consumer.Output.Reports;

/// <summary>
/// <c>--format tree</c> and <c>--format tree-json</c>: the phases nested by their parent links
/// (<see cref="PhaseTree"/>), with count, total, self time, p50/p99 and statuses per place in the
/// tree. The nesting a target can make is unbounded; both forms show <see cref="MaxShownDepth"/>
/// levels and say, on the deepest shown node, how many nodes lie below it.
/// </summary>
public static class TreeReportWriter
{
    /// <summary>Deep enough for any real service; keeps a table row readable and the JSON under the serializer's nesting limit of 64.</summary>
    public const int MaxShownDepth = 24;

    private static readonly string[] Numbers = ["count", "total", "self", "p50", "p99", "faulted", "canceled"];

    public static IRenderable Render(PhaseTree tree, Func<string, string> containerName)
    {
        Table table = ProbesTable.Create(["container", "phase"], Numbers);
        foreach (ContainerPhaseTree container in tree.Containers)
        {
            bool first = true;
            foreach (ShownNode shown in Flatten(container.Roots))
            {
                PhaseTreeNode node = shown.Node;
                table.AddRow(
                    ProbesTable.Untrusted(first ? containerName(container.Container) : ""),
                    new Text(shown.Prefix + TerminalText.Safe(node.Name) + Notes(node, shown.Hidden)),
                    ProbesTable.Plain(Count(node.Count)),
                    ProbesTable.Plain(node.Count > 0 ? DurationText.Format(node.TotalNs) : "-"),
                    ProbesTable.Plain(node.Count > 0 ? DurationText.Format(node.SelfNs) : "-"),
                    ProbesTable.Plain(node.Count > 0 ? DurationText.Format(node.P50Ns) : "-"),
                    ProbesTable.Plain(node.Count > 0 ? DurationText.Format(node.P99Ns) : "-"),
                    ProbesTable.Plain(Count(node.Faulted)),
                    ProbesTable.Plain(Count(node.Canceled)));
                first = false;
            }
        }
        if (tree.Containers.Count == 0)
        {
            table.Caption("no phase completed");
        }
        string footer = string.Join("   ", new[]
        {
            tree.ParentNotSeen > 0 ? $"{tree.ParentNotSeen} phases whose parent began before the capture are shown as roots" : "",
            tree.NotPlaced > 0 ? $"{tree.NotPlaced} phases not placed (limit {tree.MaxNodes} places in the tree)" : "",
        }.Where(s => s.Length > 0));
        return footer.Length > 0 ? new Rows(table, new Text(footer)) : table;
    }

    /// <summary>The tree as plain UTF-8 text (no terminal codes), for a file or a pipe.</summary>
    public static byte[] Text(PhaseTree tree, Func<string, string> containerName)
    {
        using var writer = new StringWriter();
        OutputTerminal.Create(writer, isTerminal: false).Write(Render(tree, containerName));
        return Encoding.UTF8.GetBytes(writer.ToString());
    }

    public static void WriteJson(PhaseTree tree, Func<string, string> containerName, Stream output) =>
        OutputJson.Write(output, Contract(tree, containerName), OutputJsonContext.Default.PhaseTreeJson);

    public static PhaseTreeJson Contract(PhaseTree tree, Func<string, string> containerName) => new(
        tree.Containers.Select(c => new ContainerTreeJson(
            containerName(c.Container), c.Container == PhaseTreeBuilder.Merged ? null : c.Container, c.Roots.Select(r => Json(r, 1)).ToList())).ToList(),
        tree.ParentNotSeen,
        tree.NotPlaced);

    // Recursion bounded by MaxShownDepth.
    private static PhaseTreeNodeJson Json(PhaseTreeNode node, int depth) => new(
        node.Name, node.Id, node.Count, node.TotalNs, node.SelfNs, node.P50Ns, node.P99Ns, node.Faulted, node.Canceled, node.MaxConcurrent, node.Unfinished,
        depth < MaxShownDepth ? node.Children.Select(c => Json(c, depth + 1)).ToList() : [],
        depth < MaxShownDepth ? 0 : Descendants(node));

    private static string Notes(PhaseTreeNode node, long hidden) =>
        (node.MaxConcurrent > 1 ? $" (x{node.MaxConcurrent} concurrent)" : "")
        + (node.Unfinished > 0 ? $" ({node.Unfinished} unfinished)" : "")
        + (hidden > 0 ? $" (+{hidden} deeper, not shown)" : "");

    private readonly record struct ShownNode(PhaseTreeNode Node, string Prefix, long Hidden);

    /// <summary>Depth first, iteratively; the prefix draws the branches ("├─ ", "└─ ", "│  ").</summary>
    private static List<ShownNode> Flatten(IReadOnlyList<PhaseTreeNode> roots)
    {
        var rows = new List<ShownNode>();
        var pending = new Stack<(PhaseTreeNode Node, string Indent, bool Last, int Depth)>();
        for (int i = roots.Count - 1; i >= 0; i--)
        {
            pending.Push((roots[i], "", true, 1));
        }
        while (pending.TryPop(out var item))
        {
            bool isRoot = item.Depth == 1;
            string prefix = isRoot ? "" : item.Indent + (item.Last ? "└─ " : "├─ ");
            bool cut = item.Depth >= MaxShownDepth;
            rows.Add(new ShownNode(item.Node, prefix, cut ? Descendants(item.Node) : 0));
            if (cut)
            {
                continue;
            }
            string childIndent = isRoot ? "" : item.Indent + (item.Last ? "   " : "│  ");
            for (int i = item.Node.Children.Count - 1; i >= 0; i--)
            {
                pending.Push((item.Node.Children[i], childIndent, i == item.Node.Children.Count - 1, item.Depth + 1));
            }
        }
        return rows;
    }

    private static long Descendants(PhaseTreeNode node)
    {
        long count = 0;
        var pending = new Stack<PhaseTreeNode>(node.Children);
        while (pending.TryPop(out PhaseTreeNode? next))
        {
            count++;
            foreach (PhaseTreeNode child in next.Children)
            {
                pending.Push(child);
            }
        }
        return count;
    }

    private static string Count(long value) => value.ToString(CultureInfo.InvariantCulture);
}
