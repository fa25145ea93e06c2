using Probes.Consumer.Bpf.Maps;
using Probes.Consumer.Bpf.Programs;

namespace Probes.Consumer.Export.Otlp;

/// <summary>
/// The kernel's phase maps as OTLP histograms: one per (container, phase name, status), rows of
/// several keys of one container added together, every kernel bucket counted into the explicit
/// bucket that holds it (<see cref="OtlpEncoder.BoundsSeconds"/>). Rows whose phase or container
/// no sent record has named yet wait for a later export. Bounded by the kernel maps' capacities.
/// </summary>
public static class KernelHistograms
{
    public static List<ExportedHistogram> Build(
        IReadOnlyList<KernelPhaseStatistics> statistics,
        IReadOnlyList<KernelPhaseBucket> buckets,
        Func<uint, string?> phaseName,
        Func<ContainerKey, string?> containerOf,
        Func<string, SpanOrigin> originOf)
    {
        var rows = new Dictionary<(string Container, string Phase, int Status), Row>();
        Row? RowOf(uint id, int status, ContainerKey key)
        {
            if (phaseName(id) is not { } name || containerOf(key) is not { } container)
            {
                return null;
            }
            if (!rows.TryGetValue((container, name, status), out Row? row))
            {
                rows[(container, name, status)] = row = new Row(new ulong[OtlpEncoder.BoundsSeconds.Count + 1]);
            }
            return row;
        }
        foreach (KernelPhaseStatistics s in statistics)
        {
            if (RowOf(s.PhaseId, s.Status, s.ContainerKey) is { } row)
            {
                row.Count += s.Count;
                row.SumNs += s.TotalNanoseconds;
                row.MinNs = Math.Min(row.MinNs, s.MinNanoseconds);
                row.MaxNs = Math.Max(row.MaxNs, s.MaxNanoseconds);
            }
        }
        foreach (KernelPhaseBucket b in buckets)
        {
            if (RowOf(b.PhaseId, b.Status, b.ContainerKey) is { } row)
            {
                row.Buckets[ExplicitBucket(PhaseBuckets.LowerBound(b.Bucket))] += b.Count;
            }
        }
        return rows.Select(pair => new ExportedHistogram(originOf(pair.Key.Container), pair.Key.Phase, StatusName(pair.Key.Status),
                pair.Value.Count, pair.Value.SumNs, pair.Value.Count > 0 ? pair.Value.MinNs : 0, pair.Value.MaxNs, pair.Value.Buckets))
            .ToList();
    }

    /// <summary>
    /// The explicit bucket (bounds 2^5 .. 2^40 ns) of a kernel bucket that starts at <paramref name="lowerNs"/>.
    /// OTLP's buckets include their upper bound; a kernel bucket starting exactly on a power of two
    /// goes to the bucket above it, so a value exactly on a bound is counted one bucket up.
    /// </summary>
    public static int ExplicitBucket(ulong lowerNs)
    {
        // A kernel bucket [lower, lower + width) lies inside one power of two at or above 32 ns, so
        // its values share the explicit bucket of its lower bound: (2^(k-1), 2^k] for 2^(k-1) <= lower < 2^k.
        if (lowerNs < 32)
        {
            return 0;
        }
        int power = 63 - System.Numerics.BitOperations.LeadingZeroCount(lowerNs); // 2^power <= lower
        return Math.Min(power - 5 + 1, OtlpEncoder.BoundsSeconds.Count);
    }

    public static string StatusName(int status) => status switch
    {
        0 => "completed",
        1 => "faulted",
        2 => "canceled",
        _ => "other",
    };

    private sealed class Row(ulong[] buckets)
    {
        public ulong[] Buckets { get; } = buckets;

        public ulong Count { get; set; }

        public ulong SumNs { get; set; }

        public ulong MinNs { get; set; } = ulong.MaxValue;

        public ulong MaxNs { get; set; }
    }
}
