namespace Probes.Consumer.Phases;

/// <summary>
/// One place in a phase tree: every instance of phase <paramref name="Name"/> whose chain of
/// parents has the names of this node's ancestors. <paramref name="SelfNs"/> is the summed time of
/// its instances not covered by any of their children (children that ran concurrently count
/// once: the union of their intervals). <paramref name="MaxConcurrent"/> is the most instances of
/// this node that ran at once under one instance of its parent (1 for a root).
/// <paramref name="Unfinished"/> counts instances still open at the end, which are not in the
/// other numbers but keep their finished children in place.
/// </summary>
public sealed record PhaseTreeNode(
    string Name,
    uint Id,
    long Count,
    ulong TotalNs,
    ulong SelfNs,
    ulong P50Ns,
    ulong P99Ns,
    long Faulted,
    long Canceled,
    int MaxConcurrent,
    long Unfinished,
    IReadOnlyList<PhaseTreeNode> Children);

/// <summary>The tree of one container ("" the host; every container when merged).</summary>
public sealed record ContainerPhaseTree(string Container, IReadOnlyList<PhaseTreeNode> Roots);

/// <summary>
/// The trees of a capture, and <paramref name="ParentNotSeen"/>: instances that name a parent
/// span the capture never saw begin (it began before the attach), shown as roots;
/// <paramref name="NotPlaced"/>: instances not in the tree because it reached its bound of places
/// (with every instance under them).
/// </summary>
public sealed record PhaseTree(IReadOnlyList<ContainerPhaseTree> Containers, long ParentNotSeen, long NotPlaced = 0, int MaxNodes = PhaseTreeBuilder.DefaultMaxNodes);

/// <summary>
/// Builds <see cref="PhaseTree"/> from the instances a per-event capture kept (the timeline):
/// each instance is placed under the instance of its process whose span id is its parent span
/// and which began last at or before it (span ids can be reused), so nesting follows the parent
/// links the SDK recorded, not time containment. No recursion: a chain of any depth is walked
/// with an explicit stack, and a cycle of span ids is cut where it closes.
/// </summary>
public static class PhaseTreeBuilder
{
    /// <summary>The key that puts every container in one tree (<c>--merge-containers</c>).</summary>
    public const string Merged = "*";

    /// <summary>Places in all trees together: the names come from the traced side, and each place holds a histogram (like <see cref="PhaseStatistics.DefaultMaxRows"/>).</summary>
    public const int DefaultMaxNodes = 4_096;

    public static PhaseTree Build(IReadOnlyList<CompletedPhase> completed, IReadOnlyList<UnfinishedPhase> unfinished, bool mergeContainers, int maxNodes = DefaultMaxNodes, Func<string, bool>? selects = null)
    {
        List<Instance> instances = new(completed.Count + unfinished.Count);
        instances.AddRange(completed.Select(p => new Instance(p.Container, p.Pid, p.PhaseId, p.Name, p.SpanId, p.ParentSpanId, p.StartNs, p.EndNs, p.Status, Finished: true)));
        instances.AddRange(unfinished.Select(p => new Instance(p.Container, p.Pid, p.PhaseId, p.Name, p.SpanId, p.ParentSpanId, p.StartNs, ulong.MaxValue, PhaseStatus.Completed, Finished: false)));

        int[] parents = FindParents(instances, out long parentNotSeen);
        var nodes = new List<NodeAccumulator>();
        var nodeIndex = new Dictionary<(string Container, int Parent, string Name), int>();
        int[] nodeOf = AssignNodes(instances, parents, mergeContainers, maxNodes, nodes, nodeIndex);
        long notPlaced = 0;

        // Children per parent instance, for self time and concurrency.
        var children = new Dictionary<int, List<int>>();
        for (int i = 0; i < instances.Count; i++)
        {
            if (parents[i] >= 0 && instances[i].Finished && nodeOf[i] >= 0)
            {
                (children.TryGetValue(parents[i], out List<int>? list) ? list : children[parents[i]] = []).Add(i);
            }
        }
        for (int i = 0; i < instances.Count; i++)
        {
            Instance instance = instances[i];
            if (nodeOf[i] < 0)
            {
                notPlaced += instance.Finished ? 1 : 0;
                continue;
            }
            NodeAccumulator node = nodes[nodeOf[i]];
            node.FirstStart = Math.Min(node.FirstStart, instance.StartNs);
            if (!instance.Finished)
            {
                node.Unfinished++;
                continue;
            }
            List<int> own = children.TryGetValue(i, out List<int>? list) ? list : [];
            ulong covered = IntervalUnion.Covered(own.Select(c => (instances[c].StartNs, instances[c].EndNs)), instance.StartNs, instance.EndNs);
            node.Add(instance, instance.EndNs - instance.StartNs - covered);
            foreach (IGrouping<int, int> sameNode in own.GroupBy(c => nodeOf[c]))
            {
                NodeAccumulator child = nodes[sameNode.Key];
                child.MaxConcurrent = Math.Max(child.MaxConcurrent, IntervalUnion.MaxOverlap(sameNode.Select(c => (instances[c].StartNs, instances[c].EndNs))));
            }
        }
        return new PhaseTree(Assemble(nodes, selects), parentNotSeen, notPlaced, maxNodes);
    }

    private static int[] FindParents(List<Instance> instances, out long parentNotSeen)
    {
        var bySpan = new Dictionary<(int Pid, ulong Span), List<int>>();
        for (int i = 0; i < instances.Count; i++)
        {
            var key = (instances[i].Pid, instances[i].SpanId);
            (bySpan.TryGetValue(key, out List<int>? list) ? list : bySpan[key] = []).Add(i);
        }
        int[] parents = new int[instances.Count];
        parentNotSeen = 0;
        for (int i = 0; i < instances.Count; i++)
        {
            Instance child = instances[i];
            parents[i] = -1;
            if (child.ParentSpanId == 0)
            {
                continue;
            }
            if (bySpan.TryGetValue((child.Pid, child.ParentSpanId), out List<int>? candidates))
            {
                // The latest begin at or before the child's: a reused span id names its newest holder.
                ulong best = 0;
                foreach (int candidate in candidates)
                {
                    ulong start = instances[candidate].StartNs;
                    if (candidate != i && start <= child.StartNs && (parents[i] < 0 || start >= best))
                    {
                        parents[i] = candidate;
                        best = start;
                    }
                }
            }
            if (parents[i] < 0 && child.Finished)
            {
                parentNotSeen++;
            }
        }
        return parents;
    }

    /// <summary>
    /// The node of each instance: its parent's node and its name. A cycle of parent links is cut
    /// (the instance where it closes becomes a root). Past <paramref name="maxNodes"/> an instance
    /// that needs a new node, and every instance under it, gets none (-1).
    /// </summary>
    private static int[] AssignNodes(List<Instance> instances, int[] parents, bool merge, int maxNodes, List<NodeAccumulator> nodes, Dictionary<(string, int, string), int> index)
    {
        const int unassigned = -2;
        int[] nodeOf = Enumerable.Repeat(unassigned, instances.Count).ToArray();
        byte[] onPath = new byte[instances.Count];
        var path = new Stack<int>();
        for (int start = 0; start < instances.Count; start++)
        {
            int current = start;
            while (current >= 0 && nodeOf[current] == unassigned && onPath[current] == 0)
            {
                onPath[current] = 1;
                path.Push(current);
                current = parents[current];
            }
            bool unplaced = current >= 0 && nodeOf[current] == -1;
            int parentNode = current >= 0 && nodeOf[current] >= 0 ? nodeOf[current] : -1;
            if (current >= 0 && nodeOf[current] == unassigned)
            {
                parents[path.Peek()] = -1; // the cycle closes at the last one walked: it becomes a root
            }
            while (path.TryPop(out int instance))
            {
                onPath[instance] = 0;
                if (unplaced)
                {
                    nodeOf[instance] = -1;
                    continue;
                }
                Instance phase = instances[instance];
                if (parents[instance] < 0)
                {
                    parentNode = -1;
                }
                string container = merge ? Merged : phase.Container;
                if (!index.TryGetValue((container, parentNode, phase.Name), out int node))
                {
                    if (nodes.Count >= maxNodes)
                    {
                        nodeOf[instance] = -1;
                        unplaced = true;
                        continue;
                    }
                    node = nodes.Count;
                    nodes.Add(new NodeAccumulator(container, parentNode, phase.Name, phase.PhaseId));
                    index[(container, parentNode, phase.Name)] = node;
                }
                nodeOf[instance] = node;
                parentNode = node;
            }
        }
        return nodeOf;
    }

    /// <summary>
    /// Nodes into trees, children in the order they first began; built bottom-up (a child's index
    /// is always above its parent's). With <paramref name="selects"/> (<c>--phase</c>) a node stays
    /// when its name is selected or a node under it stays: the path to a selected phase is kept.
    /// </summary>
    private static List<ContainerPhaseTree> Assemble(List<NodeAccumulator> nodes, Func<string, bool>? selects)
    {
        bool[] kept = new bool[nodes.Count];
        for (int i = nodes.Count - 1; i >= 0; i--)
        {
            kept[i] |= selects is null || selects(nodes[i].Name);
            if (kept[i] && nodes[i].Parent >= 0)
            {
                kept[nodes[i].Parent] = true;
            }
        }
        var built = new PhaseTreeNode[nodes.Count];
        var childrenOf = new List<int>[nodes.Count];
        for (int i = 0; i < nodes.Count; i++)
        {
            childrenOf[i] = [];
        }
        for (int i = 0; i < nodes.Count; i++)
        {
            if (nodes[i].Parent >= 0 && kept[i])
            {
                childrenOf[nodes[i].Parent].Add(i);
            }
        }
        for (int i = nodes.Count - 1; i >= 0; i--)
        {
            built[i] = nodes[i].ToNode(childrenOf[i].OrderBy(c => nodes[c].FirstStart).ThenBy(c => nodes[c].Name, StringComparer.Ordinal).Select(c => built[c]).ToList());
        }
        return Enumerable.Range(0, nodes.Count).Where(i => nodes[i].Parent < 0 && kept[i])
            .GroupBy(i => nodes[i].Container)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ContainerPhaseTree(g.Key, g.OrderBy(i => nodes[i].FirstStart).ThenBy(i => nodes[i].Name, StringComparer.Ordinal).Select(i => built[i]).ToList()))
            .ToList();
    }

    private readonly record struct Instance(string Container, int Pid, uint PhaseId, string Name, ulong SpanId, ulong ParentSpanId, ulong StartNs, ulong EndNs, PhaseStatus Status, bool Finished);

    private sealed class NodeAccumulator(string container, int parent, string name, uint id)
    {
        private readonly DurationHistogram _durations = new();
        private ulong _total;
        private ulong _self;
        private long _faulted;
        private long _canceled;

        public string Container => container;

        public int Parent => parent;

        public string Name => name;

        public ulong FirstStart { get; set; } = ulong.MaxValue;

        public int MaxConcurrent { get; set; } = 1;

        public long Unfinished { get; set; }

        public void Add(Instance instance, ulong self)
        {
            ulong duration = instance.EndNs - instance.StartNs;
            _durations.Record(duration);
            _total += duration;
            _self += self;
            _faulted += instance.Status == PhaseStatus.Faulted ? 1 : 0;
            _canceled += instance.Status == PhaseStatus.Canceled ? 1 : 0;
        }

        public PhaseTreeNode ToNode(IReadOnlyList<PhaseTreeNode> children) => new(
            name, id, _durations.Count, _total, _self, _durations.Percentile(50), _durations.Percentile(99), _faulted, _canceled, MaxConcurrent, Unfinished, children);
    }
}
