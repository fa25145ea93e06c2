using System.Numerics;

namespace Probes.Consumer.Phases;

/// <summary>
/// A log-linear histogram of durations in nanoseconds, so a phase seen millions of times costs
/// a bounded amount of memory. Values below 128 ns are exact; above, each power of two is split
/// into 128 buckets, so a reported percentile is within 1/128 (0.8%) of a value really seen.
/// Min and max are exact. Groups are allocated on first use (at most 58 x 128 counters).
/// </summary>
public sealed class DurationHistogram
{
    private const int SubBucketBits = 7;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int Groups = 64 - SubBucketBits + 1;

    private readonly long[]?[] _groups = new long[Groups][];

    public long Count { get; private set; }

    public ulong Min { get; private set; } = ulong.MaxValue;

    public ulong Max { get; private set; }

    public void Record(ulong value)
    {
        (int group, int sub) = Locate(value);
        (_groups[group] ??= new long[SubBuckets])[sub]++;
        Count++;
        Min = Math.Min(Min, value);
        Max = Math.Max(Max, value);
    }

    /// <summary>The nearest-rank percentile (0 &lt; <paramref name="percent"/> &lt;= 100); 0 when empty.</summary>
    public ulong Percentile(double percent)
    {
        if (Count == 0)
        {
            return 0;
        }
        long rank = Math.Max(1, (long)Math.Ceiling(percent / 100.0 * Count));
        // The extremes are known exactly; only the inside of the distribution is bucketed.
        if (rank >= Count)
        {
            return Max;
        }
        if (rank == 1)
        {
            return Min;
        }
        long seen = 0;
        for (int group = 0; group < Groups; group++)
        {
            long[]? counts = _groups[group];
            if (counts is null)
            {
                continue;
            }
            for (int sub = 0; sub < SubBuckets; sub++)
            {
                seen += counts[sub];
                if (seen >= rank)
                {
                    return Math.Clamp(Representative(group, sub), Min, Max);
                }
            }
        }
        return Max;
    }

    private static (int Group, int Sub) Locate(ulong value)
    {
        if (value < SubBuckets)
        {
            return (0, (int)value);
        }
        int topBit = 63 - BitOperations.LeadingZeroCount(value);
        int shift = topBit - SubBucketBits;
        return (shift + 1, (int)((value >> shift) & (SubBuckets - 1)));
    }

    private static ulong Representative(int group, int sub)
    {
        if (group == 0)
        {
            return (ulong)sub;
        }
        int shift = group - 1;
        ulong low = (ulong)(SubBuckets + sub) << shift;
        ulong width = 1UL << shift;
        return low + (width / 2);
    }
}
