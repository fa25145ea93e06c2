using Probes.Consumer.Bpf.Maps;
using Probes.Consumer.Bpf.Programs;

namespace Probes.Consumer.Agent;

/// <summary>
/// Turns the kernel's maps (statistics and histogram rows keyed by phase id, status and container
/// key) into exported series keyed by phase name, status and container: rows of several keys of
/// one container (a restarted container gets new namespaces) are added together, and kernel
/// buckets are summed into the fixed exported buckets. The number of series is bounded: the
/// first <paramref name="maxSeries"/> label sets seen are admitted for good (a series never moves
/// between itself and the overflow from one scrape to the next, which would break its counters);
/// the rest are added into one overflow series, and how many label sets went there is counted.
/// A row whose container key or phase id no sent record has named yet is counted as unattributed. Not thread-safe.
/// </summary>
/// <param name="phaseName">The name of a phase id, or null while unknown.</param>
/// <param name="containerOf">The container id ("" for the host) of a key, or null while unknown.</param>
/// <param name="labelsOf">The labels of a container id (may ask the runtime; called once per series).</param>
public sealed class PhaseSeriesTable(Func<uint, string?> phaseName, Func<ContainerKey, string?> containerOf, Func<string, ContainerLabels> labelsOf, int maxSeries)
{
    private readonly HashSet<(string Phase, string Status, string ContainerId)> _admitted = new();
    private readonly HashSet<(string Phase, string Status, string ContainerId)> _overflowed = new();
    private const int MaxOverflowRemembered = 1 << 20;

    /// <summary>Label sets added into the overflow series (bounded count of distinct sets seen).</summary>
    public int Overflowed => _overflowed.Count;

    public static string StatusName(int status) => status switch
    {
        0 => "completed",
        1 => "faulted",
        2 => "canceled",
        _ => "other", // a target chooses the number: not one label value per number
    };

    /// <summary>Forgets the series of containers no longer exported, so their places can be taken.</summary>
    public void Forget(Func<string, bool> containerGone)
    {
        _admitted.RemoveWhere(key => containerGone(key.ContainerId));
        _overflowed.RemoveWhere(key => containerGone(key.ContainerId));
    }

    /// <param name="include">Which container ids to export (the grace period of removed ones is over for the others).</param>
    public (List<PhaseSeries> Series, ulong Unattributed) Build(IReadOnlyList<KernelPhaseStatistics> statistics, IReadOnlyList<KernelPhaseBucket> histogram, Func<string, bool> include)
    {
        var rows = new Dictionary<(string Phase, string Status, string ContainerId), Accumulator>();
        ulong unattributed = 0;
        (string, string, string)? KeyOf(uint id, int status, ContainerKey key)
        {
            // Exported once a sent record named both: a series never changes its labels later.
            if (containerOf(key) is not { } container || phaseName(id) is not { } name)
            {
                return null;
            }
            if (!include(container))
            {
                return ("", "", "\0gone");
            }
            var labels = (name, StatusName(status), container);
            if (_admitted.Contains(labels))
            {
                return labels;
            }
            if (_admitted.Count < maxSeries)
            {
                _admitted.Add(labels);
                return labels;
            }
            if (_overflowed.Count < MaxOverflowRemembered)
            {
                _overflowed.Add(labels);
            }
            return OverflowKey;
        }

        foreach (KernelPhaseStatistics row in statistics)
        {
            if (KeyOf(row.PhaseId, row.Status, row.ContainerKey) is not { } key)
            {
                unattributed += row.Count;
                continue;
            }
            Accumulator sum = Get(rows, key);
            sum.Count += row.Count;
            sum.TotalNanoseconds += row.TotalNanoseconds;
        }
        foreach (KernelPhaseBucket bucket in histogram)
        {
            if (KeyOf(bucket.PhaseId, bucket.Status, bucket.ContainerKey) is { } key)
            {
                Get(rows, key).Buckets[ExportedBuckets.SlotOf(bucket.Bucket)] += bucket.Count;
            }
        }

        var series = new List<PhaseSeries>(rows.Count);
        foreach (((string phase, string status, string containerId), Accumulator sum) in rows)
        {
            if (containerId == "\0gone")
            {
                continue;
            }
            // Statistics and histogram are read one after the other while phases end: the larger
            // count stands, so the cumulative buckets never exceed +Inf.
            ulong bucketed = 0;
            foreach (ulong count in sum.Buckets)
            {
                bucketed += count;
            }
            ContainerLabels where = (phase, status, containerId) == OverflowKey ? ContainerLabels.Overflow : labelsOf(containerId);
            series.Add(new PhaseSeries(phase, status, where, sum.Buckets, Math.Max(sum.Count, bucketed), sum.TotalNanoseconds));
        }
        series.Sort((a, b) => string.CompareOrdinal($"{a.Where.ContainerId}\0{a.Phase}\0{a.Status}", $"{b.Where.ContainerId}\0{b.Phase}\0{b.Status}"));
        return (series, unattributed);
    }

    private static readonly (string, string, string) OverflowKey = ("(overflow)", "", "(overflow)");

    private static Accumulator Get(Dictionary<(string, string, string), Accumulator> rows, (string, string, string) key)
    {
        if (!rows.TryGetValue(key, out Accumulator? sum))
        {
            rows[key] = sum = new Accumulator();
        }
        return sum;
    }

    private sealed class Accumulator
    {
        public ulong[] Buckets { get; } = new ulong[ExportedBuckets.Boundaries.Count + 1];

        public ulong Count { get; set; }

        public ulong TotalNanoseconds { get; set; }
    }
}
