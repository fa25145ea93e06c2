using System.Text;
using System.Text.Json;
using Probes.Consumer.Output.Reports;
using Probes.Consumer.Phases;

namespace Probes.Consumer.Tests.Phases;

/// <summary>
/// The phase tree: nesting by parent links (not by time), self time as the parent's time not
/// covered by the union of its children, concurrency, and the bounds a hostile target meets.
/// </summary>
[TestClass]
public sealed class PhaseTreeTests
{
    private const ulong Ms = 1_000_000;

    private static CompletedPhase Phase(string name, ulong span, ulong parent, double startMs, double endMs, int pid = 10, string container = "abc", PhaseStatus status = PhaseStatus.Completed) =>
        new(container, pid, pid, (uint)name.Length, name, span, parent, (ulong)(startMs * Ms), (ulong)(endMs * Ms), status);

    /// <summary>The sample's Startup: LoadConfig, WarmCaches (three concurrent fetches, each ending on another thread) and ConnectDatabase, then 1.1 ms of its own.</summary>
    public static List<CompletedPhase> Startup(int pid = 10, string container = "abc") =>
    [
        Phase("LoadConfig", 2, 1, 0.2, 21.0, pid, container),
        Phase("WarmCaches.Fetch", 4, 3, 21.3, 31.5, pid, container),
        Phase("WarmCaches.Fetch", 5, 3, 21.4, 36.6, pid, container),
        Phase("WarmCaches.Fetch", 6, 3, 21.4, 41.8, pid, container),
        Phase("WarmCaches", 3, 1, 21.1, 59.8, pid, container),
        Phase("ConnectDatabase", 7, 1, 59.9, 93.1, pid, container),
        Phase("Startup", 1, 0, 0, 93.8, pid, container),
    ];

    [TestMethod]
    public void Startup_is_its_three_children_plus_its_own_time_and_concurrent_fetches_are_never_summed()
    {
        PhaseTree tree = PhaseTreeBuilder.Build(Startup(), [], mergeContainers: false);

        PhaseTreeNode startup = tree.Containers.Single().Roots.Single();
        Assert.AreEqual("Startup", startup.Name);
        CollectionAssert.AreEqual(new[] { "LoadConfig", "WarmCaches", "ConnectDatabase" }, startup.Children.Select(c => c.Name).ToArray(), "children in the order they began");
        Assert.AreEqual(93.8 - 20.8 - 38.7 - 33.2, startup.SelfNs / (double)Ms, 1e-6);
        PhaseTreeNode warm = startup.Children[1];
        PhaseTreeNode fetch = warm.Children.Single();
        Assert.AreEqual(3, fetch.Count);
        Assert.AreEqual(3, fetch.MaxConcurrent);
        Assert.AreEqual(10.2 + 15.2 + 20.4, fetch.TotalNs / (double)Ms, 1e-6, "the fetches' own total is their sum");
        Assert.IsTrue(fetch.TotalNs > warm.TotalNs, "three concurrent fetches took longer in sum than their parent");
        // The union of the fetches is 21.3..41.8: WarmCaches' own time is the rest of its 38.7 ms.
        Assert.AreEqual(38.7 - 20.5, warm.SelfNs / (double)Ms, 1e-6);
        Assert.AreEqual(1, warm.MaxConcurrent);
        Assert.AreEqual(0, tree.ParentNotSeen);
    }

    [TestMethod]
    public void Children_covering_their_parent_many_times_over_leave_no_self_time_and_never_a_negative_one()
    {
        List<CompletedPhase> phases = [Phase("Parent", 1, 0, 0, 10)];
        // Ten children over the whole parent, and one sticking out past its end (a child ending after its parent's end still only covers the parent).
        phases.AddRange(Enumerable.Range(0, 10).Select(i => Phase("Child", 2 + (ulong)i, 1, 0, 10)));
        phases.Add(Phase("Late", 20, 1, 5, 30));

        PhaseTreeNode parent = PhaseTreeBuilder.Build(phases, [], false).Containers.Single().Roots.Single();

        Assert.AreEqual(0UL, parent.SelfNs);
        Assert.AreEqual(10, parent.Children[0].MaxConcurrent);
        Assert.AreEqual(100 * Ms, parent.Children[0].TotalNs);
    }

    [TestMethod]
    public void Nesting_follows_parent_links_not_time_containment()
    {
        // B lies inside A in time but is C's child; C is a sibling of A.
        List<CompletedPhase> phases =
        [
            Phase("Root", 1, 0, 0, 100),
            Phase("A", 2, 1, 10, 50),
            Phase("C", 3, 1, 5, 90),
            Phase("B", 4, 3, 20, 30),
        ];

        PhaseTreeNode root = PhaseTreeBuilder.Build(phases, [], false).Containers.Single().Roots.Single();

        PhaseTreeNode a = root.Children.Single(c => c.Name == "A");
        PhaseTreeNode c = root.Children.Single(c => c.Name == "C");
        Assert.AreEqual(0, a.Children.Count);
        Assert.AreEqual("B", c.Children.Single().Name);
        Assert.AreEqual(40 * Ms, a.SelfNs);
        Assert.AreEqual(75 * Ms, c.SelfNs);
        Assert.AreEqual(100 * Ms - 85 * Ms, root.SelfNs, "A and C overlap: their union is 5..90");
    }

    [TestMethod]
    public void Replicas_get_a_tree_each_unless_merged()
    {
        List<CompletedPhase> phases = [.. Startup(10, "aaa"), .. Startup(20, "bbb")];

        PhaseTree apart = PhaseTreeBuilder.Build(phases, [], false);
        PhaseTree merged = PhaseTreeBuilder.Build(phases, [], true);

        CollectionAssert.AreEqual(new[] { "aaa", "bbb" }, apart.Containers.Select(c => c.Container).ToArray());
        Assert.AreEqual(1, apart.Containers[0].Roots.Single().Count);
        ContainerPhaseTree all = merged.Containers.Single();
        Assert.AreEqual(PhaseTreeBuilder.Merged, all.Container);
        Assert.AreEqual(2, all.Roots.Single().Count);
        Assert.AreEqual(6, all.Roots.Single().Children[1].Children.Single().Count);
        Assert.AreEqual(3, all.Roots.Single().Children[1].Children.Single().MaxConcurrent, "concurrency is per parent instance, never across replicas");
    }

    [TestMethod]
    public void A_reused_span_id_names_its_latest_holder_and_a_span_id_of_another_process_is_not_a_parent()
    {
        List<CompletedPhase> phases =
        [
            Phase("First", 1, 0, 0, 10),
            Phase("Second", 1, 0, 20, 30),
            Phase("Child", 2, 1, 25, 26),
            Phase("Elsewhere", 3, 1, 25, 26, pid: 99),
        ];

        PhaseTree tree = PhaseTreeBuilder.Build(phases, [], false);

        IReadOnlyList<PhaseTreeNode> roots = tree.Containers.Single().Roots;
        Assert.AreEqual(0, roots.Single(r => r.Name == "First").Children.Count);
        Assert.AreEqual("Child", roots.Single(r => r.Name == "Second").Children.Single().Name);
        Assert.IsTrue(roots.Any(r => r.Name == "Elsewhere"), "pid 99 never began span 1: a root");
        Assert.AreEqual(1, tree.ParentNotSeen);
    }

    [TestMethod]
    public void An_unfinished_parent_keeps_its_finished_children_in_place()
    {
        PhaseTree tree = PhaseTreeBuilder.Build([Phase("Child", 2, 1, 5, 6)], [new UnfinishedPhase("abc", 10, 10, 1, "Serve", 1, 0, 1 * Ms)], false);

        PhaseTreeNode serve = tree.Containers.Single().Roots.Single();
        Assert.AreEqual(0, serve.Count);
        Assert.AreEqual(1, serve.Unfinished);
        Assert.AreEqual(1, serve.Children.Single().Count);
        StringAssert.Contains(Encoding.UTF8.GetString(TreeReportWriter.Text(tree, k => k)), "Serve (1 unfinished)");
    }

    [TestMethod]
    public void A_cycle_of_span_ids_is_cut_and_a_chain_20000_deep_needs_no_recursion()
    {
        // Two phases naming each other as parent (a crafted stream) and a very deep chain.
        List<CompletedPhase> phases = [Phase("X", 1, 2, 0, 10), Phase("Y", 2, 1, 0, 10)];
        const int depth = 20_000;
        phases.AddRange(Enumerable.Range(0, depth).Select(i => Phase("Deep", 1000 + (ulong)i, i == 0 ? 0 : 999 + (ulong)i, i * 1e-5, 2 - (i * 1e-5), pid: 11)));

        PhaseTree tree = PhaseTreeBuilder.Build(phases, [], false, maxNodes: 2 * depth);
        string text = Encoding.UTF8.GetString(TreeReportWriter.Text(tree, k => k));
        using var json = new MemoryStream();
        TreeReportWriter.WriteJson(tree, k => k, json);

        IReadOnlyList<PhaseTreeNode> roots = tree.Containers.Single().Roots;
        Assert.AreEqual(2, roots.Count, "the deep chain's root and the cut cycle's root");
        StringAssert.Contains(text, $"(+{depth - TreeReportWriter.MaxShownDepth} deeper, not shown)");
        using JsonDocument document = JsonDocument.Parse(json.ToArray());
        JsonElement node = document.RootElement.GetProperty("containers")[0].GetProperty("phases").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "Deep");
        for (int level = 1; level < TreeReportWriter.MaxShownDepth; level++)
        {
            node = node.GetProperty("children")[0];
        }
        Assert.AreEqual(0, node.GetProperty("children").GetArrayLength());
        Assert.AreEqual(depth - TreeReportWriter.MaxShownDepth, node.GetProperty("deeper_not_shown").GetInt64());
    }

    [TestMethod]
    public void Nodes_are_bounded_and_what_is_not_placed_is_counted_with_its_descendants()
    {
        // A target inventing names makes a node per name: past the bound, instances are counted, not placed.
        List<CompletedPhase> phases = Enumerable.Range(0, 500).Select(i => Phase($"Name{i}", 1 + (ulong)i, 0, i, i + 0.5)).ToList();
        phases.Add(Phase("ChildOfLast", 1000, 500, 499.1, 499.2));

        PhaseTree tree = PhaseTreeBuilder.Build(phases, [], false, maxNodes: 100);

        Assert.AreEqual(100, tree.Containers.Single().Roots.Count);
        Assert.AreEqual(401, tree.NotPlaced, "400 names past the bound, and the child of one of them");
        StringAssert.Contains(Encoding.UTF8.GetString(TreeReportWriter.Text(tree, k => k)), "401 phases not placed (limit 100 places in the tree)");
    }

    [TestMethod]
    public void The_table_draws_the_tree_with_self_time_concurrency_and_escaped_names()
    {
        List<CompletedPhase> phases = [.. Startup(), Phase("evil\u001b[2J", 9, 0, 100, 101)];

        string text = Encoding.UTF8.GetString(TreeReportWriter.Text(PhaseTreeBuilder.Build(phases, [], false), k => k == "abc" ? "web-1" : k));

        string[] lines = text.Split('\n');
        string Line(string phase) => lines.Single(l => l.Contains(phase, StringComparison.Ordinal));
        StringAssert.Contains(Line("Startup"), "web-1");
        StringAssert.Contains(Line("Startup"), "93.8 ms");
        StringAssert.Contains(Line("Startup"), "1.10 ms", "self time");
        StringAssert.Contains(Line("├─ LoadConfig"), "20.8 ms");
        StringAssert.Contains(Line("├─ WarmCaches "), "38.7 ms");
        StringAssert.Contains(Line("│  └─ WarmCaches.Fetch (x3 concurrent)"), "45.8 ms");
        StringAssert.Contains(Line("└─ ConnectDatabase"), "33.2 ms");
        StringAssert.Contains(text, "evil\\x1b[2J");
        Assert.IsFalse(text.Contains('\u001b', StringComparison.Ordinal));
    }

    [TestMethod]
    public void The_json_tree_has_the_documented_fields()
    {
        using var stream = new MemoryStream();
        TreeReportWriter.WriteJson(PhaseTreeBuilder.Build(Startup(), [], true), k => k == PhaseTreeBuilder.Merged ? "(all containers)" : k, stream);

        using JsonDocument document = JsonDocument.Parse(stream.ToArray());
        JsonElement container = document.RootElement.GetProperty("containers").EnumerateArray().Single();
        Assert.AreEqual("(all containers)", container.GetProperty("container").GetString());
        Assert.AreEqual(JsonValueKind.Null, container.GetProperty("container_id").ValueKind);
        JsonElement startup = container.GetProperty("phases")[0];
        Assert.AreEqual((ulong)(93.8 * Ms), startup.GetProperty("total_ns").GetUInt64());
        Assert.AreEqual(1.1, startup.GetProperty("self_ns").GetUInt64() / (double)Ms, 1e-6);
        JsonElement fetch = startup.GetProperty("children")[1].GetProperty("children")[0];
        Assert.AreEqual("WarmCaches.Fetch", fetch.GetProperty("name").GetString());
        Assert.AreEqual(3, fetch.GetProperty("max_concurrent").GetInt32());
        foreach (string field in new[] { "id", "count", "p50_ns", "p99_ns", "faulted", "canceled", "unfinished", "deeper_not_shown" })
        {
            Assert.IsTrue(fetch.TryGetProperty(field, out _), field);
        }
        Assert.AreEqual(0, document.RootElement.GetProperty("parent_not_seen").GetInt64());
    }
}
