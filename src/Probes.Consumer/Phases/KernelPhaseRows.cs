using Probes.Consumer.Bpf.Maps;
using Probes.Consumer.Bpf.Programs;

namespace Probes.Consumer.Phases;

/// <summary>What in-kernel pairing could not count, beyond the ring's lost records (Probe ABI maps, <see cref="PhaseMaps"/>).</summary>
/// <param name="Evicted">Begins the full pending map evicted (their ends then count as ends without a begin).</param>
/// <param name="PendingFull">Begins the pending map refused.</param>
/// <param name="HistogramFull">Phases the histogram had no key for (their row's percentiles miss them; count and total do not).</param>
/// <param name="StatisticsFull">Phases the statistics map had no row for (not counted at all).</param>
/// <param name="Unattributed">Phases of a (namespace) key no record named a traced container for (not shown).</param>
public sealed record KernelPairingLoss(ulong Evicted, ulong PendingFull, ulong HistogramFull, ulong StatisticsFull, long Unattributed);

/// <summary>
/// The report rows of in-kernel pairing: the statistics rows (exact count, total, min, max per
/// id, status and container key) and the histogram buckets read from the kernel, merged per
/// (container, phase) across statuses, with percentiles from the buckets (within
/// <see cref="PhaseBuckets.RelativeErrorBound"/> of the exact nearest-rank values).
/// </summary>
public static class KernelPhaseRows
{
    /// <param name="nameOf">A phase id's name, as a sent record gave it; null when none came yet.</param>
    /// <param name="containerOf">A container key's container id ("" for the host), or null when no traced process sent a record from it.</param>
    /// <param name="ignored">Whether a key is a container the run does not trace (same file, another container): its phases are left out, not counted as unattributed, but counted in <c>Ignored</c>.</param>
    public static (List<PhaseRow> Rows, long Unattributed, long Ignored) Build(
        IEnumerable<KernelPhaseStatistics> statistics, IEnumerable<KernelPhaseBucket> buckets, Func<uint, string?> nameOf, Func<ContainerKey, string?> containerOf,
        Func<ContainerKey, bool>? ignored = null)
    {
        var rows = new Dictionary<(string Container, uint Id), Row>();
        long unattributed = 0, ignoredPhases = 0;
        foreach (KernelPhaseStatistics s in statistics)
        {
            if (containerOf(s.ContainerKey) is not { } container)
            {
                if (ignored?.Invoke(s.ContainerKey) == true)
                {
                    ignoredPhases += (long)s.Count;
                }
                else
                {
                    unattributed += (long)s.Count;
                }
                continue;
            }
            if (!rows.TryGetValue((container, s.PhaseId), out Row? row))
            {
                rows[(container, s.PhaseId)] = row = new Row();
            }
            row.Add(s);
        }
        foreach (KernelPhaseBucket b in buckets)
        {
            if (containerOf(b.ContainerKey) is { } container && rows.TryGetValue((container, b.PhaseId), out Row? row))
            {
                row.Histogram.AddBucket(b.Bucket, (long)b.Count, row.Min, row.Max);
            }
        }
        List<PhaseRow> result = rows.Select(entry => entry.Value.ToRow(entry.Key.Container, nameOf(entry.Key.Id) ?? $"phase 0x{entry.Key.Id:x8}", entry.Key.Id))
            .OrderBy(row => row.Container, StringComparer.Ordinal)
            .ThenByDescending(row => row.TotalNs)
            .ThenBy(row => row.Name, StringComparer.Ordinal)
            .ToList();
        return (result, unattributed, ignoredPhases);
    }

    private sealed class Row
    {
        public DurationHistogram Histogram { get; } = new(PhaseBuckets.SubBucketBits);
        public ulong Min { get; private set; } = ulong.MaxValue;
        public ulong Max { get; private set; }
        private long _count;
        private ulong _total;
        private long _faulted;
        private long _canceled;

        public void Add(KernelPhaseStatistics s)
        {
            _count += (long)s.Count;
            _total += s.TotalNanoseconds;
            Min = Math.Min(Min, s.MinNanoseconds);
            Max = Math.Max(Max, s.MaxNanoseconds);
            _faulted += s.Status == (int)PhaseStatus.Faulted ? (long)s.Count : 0;
            _canceled += s.Status == (int)PhaseStatus.Canceled ? (long)s.Count : 0;
        }

        public PhaseRow ToRow(string container, string name, uint id) => new(
            container, name, id, _count, _total, _count == 0 ? 0 : Min,
            Histogram.Percentile(50), Histogram.Percentile(90), Histogram.Percentile(99), Max, _faulted, _canceled)
        {
            Durations = Histogram, // built anew on every read of the maps
        };
    }
}
