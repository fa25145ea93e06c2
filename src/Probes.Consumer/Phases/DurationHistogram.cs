using System.Numerics;
using Probes.Consumer.Bpf.Programs;

namespace Probes.Consumer.Phases;

/// <summary>
/// A log-linear histogram of durations in nanoseconds, so a phase seen millions of times costs
/// a bounded amount of memory. Values below 128 ns are exact; above, each power of two is split
/// into 128 buckets, so a reported percentile is within 1/128 (0.8%) of a value really seen.
/// Min and max are exact. Groups are allocated on first use (at most 58 x 128 counters).
/// Another sub-bucket count (<paramref name="subBucketBits"/>) gives the same scheme coarser or
/// finer: with <see cref="PhaseBuckets.SubBucketBits"/> its indexes are those of the in-kernel
/// histogram, so buckets read from the kernel are added as they are (<see cref="AddBucket"/>).
/// </summary>
public sealed class DurationHistogram(int subBucketBits = 7)
{
    private readonly int _subBucketBits = subBucketBits is >= 1 and <= 10 ? subBucketBits : throw new ArgumentOutOfRangeException(nameof(subBucketBits));
    private int SubBuckets => 1 << _subBucketBits;
    private int Groups => 64 - _subBucketBits + 1;

    private readonly long[]?[] _groups = new long[64 - subBucketBits + 1][];

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

    /// <summary>
    /// Adds <paramref name="count"/> values known only by their bucket (<c>group * 2^bits + sub</c>,
    /// <see cref="PhaseBuckets.Index"/> for 5 bits) and the exact extremes of the values added.
    /// </summary>
    public void AddBucket(int index, long count, ulong min, ulong max)
    {
        int group = index >> _subBucketBits;
        if (index < 0 || group >= Groups || count <= 0)
        {
            return;
        }
        (_groups[group] ??= new long[SubBuckets])[index & (SubBuckets - 1)] += count;
        Count += count;
        Min = Math.Min(Min, min);
        Max = Math.Max(Max, max);
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

    /// <summary>A copy, to compare a later state with (<see cref="Since"/>).</summary>
    public DurationHistogram Clone()
    {
        var copy = new DurationHistogram(_subBucketBits) { Count = Count, Min = Min, Max = Max };
        for (int group = 0; group < Groups; group++)
        {
            copy._groups[group] = (long[]?)_groups[group]?.Clone();
        }
        return copy;
    }

    /// <summary>
    /// The values recorded since <paramref name="earlier"/> (a <see cref="Clone"/> of this
    /// histogram, or null for all of them). Their exact extremes are not known: min and max are
    /// the middles of the lowest and highest buckets that grew, clamped to this histogram's extremes.
    /// </summary>
    public DurationHistogram Since(DurationHistogram? earlier)
    {
        if (earlier is null)
        {
            return Clone();
        }
        var window = new DurationHistogram(_subBucketBits);
        for (int group = 0; group < Groups; group++)
        {
            long[]? now = _groups[group];
            if (now is null)
            {
                continue;
            }
            long[]? before = earlier._groups[group];
            for (int sub = 0; sub < SubBuckets; sub++)
            {
                long grown = now[sub] - (before?[sub] ?? 0);
                if (grown > 0)
                {
                    ulong middle = Math.Clamp(Representative(group, sub), Min, Max);
                    window.AddBucket((group << _subBucketBits) | sub, grown, middle, middle);
                }
            }
        }
        return window;
    }

    private (int Group, int Sub) Locate(ulong value)
    {
        if (value < (ulong)SubBuckets)
        {
            return (0, (int)value);
        }
        int topBit = 63 - BitOperations.LeadingZeroCount(value);
        int shift = topBit - _subBucketBits;
        return (shift + 1, (int)((value >> shift) & (ulong)(SubBuckets - 1)));
    }

    private ulong Representative(int group, int sub)
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
