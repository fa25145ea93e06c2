namespace Probes.Consumer.Phases;

/// <summary>Time covered by a set of intervals, concurrent ones counted once; and how many overlap at most.</summary>
public static class IntervalUnion
{
    /// <summary>The length of the union of <paramref name="intervals"/> clipped to [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static ulong Covered(IEnumerable<(ulong Start, ulong End)> intervals, ulong from, ulong to)
    {
        ulong covered = 0;
        ulong reached = from;
        foreach ((ulong start, ulong end) in intervals.Select(i => (Math.Max(i.Start, from), Math.Min(i.End, to))).Where(i => i.Item1 < i.Item2).OrderBy(i => i.Item1))
        {
            if (end <= reached)
            {
                continue;
            }
            covered += end - Math.Max(start, reached);
            reached = end;
        }
        return covered;
    }

    /// <summary>The most intervals open at one instant (an end at the instant another starts is no overlap).</summary>
    public static int MaxOverlap(IEnumerable<(ulong Start, ulong End)> intervals)
    {
        // Ends sort before starts at the same instant.
        var edges = intervals.SelectMany(i => new[] { (i.Start, 1), (i.End, -1) }).OrderBy(e => e.Item1).ThenBy(e => e.Item2);
        int open = 0;
        int most = 0;
        foreach ((_, int step) in edges)
        {
            open += step;
            most = Math.Max(most, open);
        }
        return most;
    }
}
