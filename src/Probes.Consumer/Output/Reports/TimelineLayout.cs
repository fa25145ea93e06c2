namespace Probes.Consumer.Output.Reports;

/// <summary>One phase of one process as the timeline draws it; <see cref="EndTid"/> is null while it is unfinished.</summary>
public sealed record TimelineSlice(
    int Pid,
    string Name,
    uint Id,
    ulong Span,
    ulong Parent,
    ulong StartNs,
    ulong EndNs,
    int BeginTid,
    int? EndTid,
    string Status);

/// <summary>A slice on its lane, with the slice it was drawn under (its parent phase, when that was traced).</summary>
public sealed record PlacedSlice(TimelineSlice Slice, int Lane, PlacedSlice? Parent);

/// <summary>
/// Lays the phases of one process out on lanes (tracks) by their parent links, not by time
/// containment: a phase's children go in its lane group, on its own lane when they nest inside it
/// there, else on lanes right under it; concurrent siblings (three fetches awaited together) get
/// lanes of their own in that group, and nothing else enters the group while it lasts. So every
/// slice is drawn under its parent, and each lane nests strictly, as trace viewers require.
/// </summary>
/// <remarks>
/// Each subtree is a rectangle (its time span, from its start to the end of its last
/// descendant, by the lanes it needs); a child's rectangle is placed on the first lane offset
/// where it meets no sibling's. Intervals are closed, so two slices of one lane never share a
/// start or an end: a viewer that breaks ties its own way (speedscope, Perfetto's flow binding)
/// still nests them as here. Iterative (a hostile process may nest phases 100,000 deep) and
/// linear in the concurrency, not the number of siblings.
/// </remarks>
public static class TimelineLayout
{
    public static IReadOnlyList<PlacedSlice> Place(IEnumerable<TimelineSlice> slicesOfOneProcess, out int lanes)
    {
        TimelineSlice[] input = slicesOfOneProcess.ToArray();
        int[] inputParent = LinkParents(input);
        int[] depth = Depths(inputParent);

        // Parents before children: by start (a parent never starts after its child), then depth,
        // longer first; the tie-break keeps the input order.
        int[] sorted = Enumerable.Range(0, input.Length)
            .OrderBy(i => input[i].StartNs).ThenBy(i => depth[i]).ThenByDescending(i => input[i].EndNs).ThenBy(i => i)
            .ToArray();
        int count = sorted.Length;
        var position = new int[count];
        for (int i = 0; i < count; i++)
        {
            position[sorted[i]] = i;
        }
        TimelineSlice[] order = sorted.Select(i => input[i]).ToArray();
        int[] parent = sorted.Select(i => inputParent[i] < 0 ? -1 : position[inputParent[i]]).ToArray();
        var children = new List<int>?[count];
        var roots = new List<int>();
        for (int i = 0; i < count; i++)
        {
            if (parent[i] < 0)
            {
                roots.Add(i);
            }
            else
            {
                (children[parent[i]] ??= []).Add(i);
            }
        }

        // Children come after their parent, so a backward pass finishes every subtree before its root.
        var subtreeEnd = new ulong[count];
        var height = new int[count];
        var offset = new int[count];
        for (int i = count - 1; i >= 0; i--)
        {
            subtreeEnd[i] = Math.Max(order[i].EndNs, children[i]?.Max(c => subtreeEnd[c]) ?? 0);
            height[i] = children[i] is { } kids ? Math.Max(1, Pack(order, kids, order[i], subtreeEnd, height, offset)) : 1;
        }
        lanes = roots.Count > 0 ? Pack(order, roots, null, subtreeEnd, height, offset) : 0;

        var lane = new int[count];
        var placed = new PlacedSlice[count];
        for (int i = 0; i < count; i++)
        {
            lane[i] = (parent[i] < 0 ? 0 : lane[parent[i]]) + offset[i];
            placed[i] = new PlacedSlice(order[i], lane[i], parent[i] < 0 ? null : placed[parent[i]]);
        }
        return placed;
    }

    /// <summary>
    /// Each slice's parent: the slice of its parent span id that started last, no later than it
    /// (span ids may be reused once closed); -1 for a root or a parent that was not traced.
    /// </summary>
    private static int[] LinkParents(TimelineSlice[] slices)
    {
        Dictionary<ulong, int[]> bySpan = Enumerable.Range(0, slices.Length).GroupBy(i => slices[i].Span)
            .ToDictionary(g => g.Key, g => g.OrderBy(i => slices[i].StartNs).ToArray());
        var parent = new int[slices.Length];
        for (int i = 0; i < slices.Length; i++)
        {
            parent[i] = -1;
            if (slices[i].Parent == 0 || !bySpan.TryGetValue(slices[i].Parent, out int[]? candidates))
            {
                continue;
            }
            // The last candidate that started no later than the child (binary search: hostile reuse of one span id is not quadratic).
            int low = 0, high = candidates.Length - 1, found = -1;
            while (low <= high)
            {
                int middle = (low + high) / 2;
                if (slices[candidates[middle]].StartNs <= slices[i].StartNs)
                {
                    found = middle;
                    low = middle + 1;
                }
                else
                {
                    high = middle - 1;
                }
            }
            for (; found >= 0 && candidates[found] == i; found--)
            {
            }
            parent[i] = found >= 0 ? candidates[found] : -1;
        }
        return parent;
    }

    /// <summary>Depth of each slice under its root; a cycle (hostile span ids) is cut where it closes.</summary>
    private static int[] Depths(int[] parent)
    {
        var depth = new int[parent.Length];
        Array.Fill(depth, -1);
        var walk = new List<int>();
        var onWalk = new HashSet<int>();
        for (int i = 0; i < parent.Length; i++)
        {
            walk.Clear();
            onWalk.Clear();
            int at = i;
            while (at >= 0 && depth[at] < 0)
            {
                if (!onWalk.Add(at))
                {
                    parent[walk[^1]] = -1; // the link that closed the cycle
                    break;
                }
                walk.Add(at);
                at = parent[at];
            }
            for (int k = walk.Count - 1; k >= 0; k--)
            {
                int node = walk[k];
                depth[node] = parent[node] < 0 ? 0 : depth[parent[node]] + 1;
            }
        }
        return depth;
    }

    /// <summary>Places the subtrees of one parent (null: the process's roots); returns the lanes they need.</summary>
    private static int Pack(TimelineSlice[] order, List<int> siblings, TimelineSlice? parent, ulong[] subtreeEnd, int[] height, int[] offset)
    {
        var active = new List<(ulong End, int Offset, int Height)>();
        int needed = 0;
        foreach (int child in siblings)
        {
            TimelineSlice slice = order[child];
            active.RemoveAll(r => r.End < slice.StartNs);
            // On the parent's own lane only strictly inside it; else on the lanes below.
            int at = parent is null || (slice.StartNs > parent.StartNs && subtreeEnd[child] < parent.EndNs) ? 0 : 1;
            bool moved = true;
            while (moved)
            {
                moved = false;
                foreach ((ulong _, int taken, int tall) in active)
                {
                    if (at < taken + tall && taken < at + height[child])
                    {
                        at = taken + tall;
                        moved = true;
                    }
                }
            }
            offset[child] = at;
            active.Add((subtreeEnd[child], at, height[child]));
            needed = Math.Max(needed, at + height[child]);
        }
        return needed;
    }
}
