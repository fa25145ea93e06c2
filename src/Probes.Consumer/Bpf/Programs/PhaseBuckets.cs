using System.Numerics;

namespace Probes.Consumer.Bpf.Programs;

/// <summary>
/// The duration buckets of the in-kernel phase histogram, log-linear like HdrHistogram: values
/// below 32 ns have a bucket each; above, each power of two [2^e, 2^(e+1)) is cut into 32 equal
/// buckets of width 2^(e-5). A bucket's width is at most 1/32 of its lower bound, so its midpoint
/// is within 1/64 (1.6%) of any value in it. The index is <c>group * 32 + sub</c> with group 0 for
/// the exact values and group <c>e - 4</c> above, so there are at most 60 * 32 indexes for u64.
/// The BPF side (<see cref="PhaseProgramGenerator"/>) computes the same index with an unrolled
/// binary search for the top bit; <see cref="Index"/> is the reference both are tested against.
/// </summary>
public static class PhaseBuckets
{
    public const int SubBucketBits = 5;
    public const int SubBuckets = 1 << SubBucketBits;

    /// <summary>Groups: one for the exact values, one per top bit from <see cref="SubBucketBits"/> to 63.</summary>
    public const int Groups = 64 - SubBucketBits + 1;

    public const int Count = Groups * SubBuckets;

    /// <summary>The largest relative distance from a bucket's midpoint to a value in it (1/64).</summary>
    public const double RelativeErrorBound = 1.0 / (2 * SubBuckets);

    public static int Index(ulong value)
    {
        if (value < SubBuckets)
        {
            return (int)value;
        }
        int shift = 63 - BitOperations.LeadingZeroCount(value) - SubBucketBits;
        return (shift + 1) * SubBuckets + (int)((value >> shift) & (SubBuckets - 1));
    }

    /// <summary>The smallest value of bucket <paramref name="index"/>.</summary>
    public static ulong LowerBound(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        int group = index / SubBuckets;
        int sub = index % SubBuckets;
        return group == 0 ? (ulong)sub : (ulong)(SubBuckets + sub) << (group - 1);
    }

    /// <summary>How many values bucket <paramref name="index"/> holds.</summary>
    public static ulong Width(int index) => index < SubBuckets ? 1 : 1UL << (index / SubBuckets - 1);

    /// <summary>The value a bucket stands for: its midpoint (its value, for the exact ones).</summary>
    public static ulong Representative(int index) => LowerBound(index) + Width(index) / 2;
}
