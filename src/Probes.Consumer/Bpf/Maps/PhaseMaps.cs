using System.Buffers.Binary;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Syscalls;

namespace Probes.Consumer.Bpf.Maps;

/// <summary>
/// Which container a pairing map entry belongs to: the (pid namespace inode, mount namespace
/// inode) pair records carry, as one u64, and the cgroup id. Namespace inodes are reused once a
/// namespace is gone (containers run one after another get the same numbers); cgroup ids are not.
/// </summary>
public readonly record struct ContainerKey(ulong Namespaces, ulong CgroupId);

/// <summary>One (phase id, status, container) row of exact numbers, summed over CPUs.</summary>
public readonly record struct KernelPhaseStatistics(uint PhaseId, int Status, ContainerKey ContainerKey, ulong Count, ulong TotalNanoseconds, ulong MinNanoseconds, ulong MaxNanoseconds);

/// <summary>One histogram bucket of one (phase id, status, container), summed over CPUs.</summary>
public readonly record struct KernelPhaseBucket(uint PhaseId, int Status, ContainerKey ContainerKey, int Bucket, ulong Count);

/// <summary>A begun phase the pending map holds: its process (host tgid), span, begin time, parent, id and container key.</summary>
public readonly record struct KernelPendingPhase(int Pid, ulong SpanId, ulong StartNanoseconds, ulong ParentSpanId, uint PhaseId, ContainerKey ContainerKey);

/// <summary>The pairing counters, summed over CPUs (<see cref="PhaseCounter"/>).</summary>
public readonly record struct KernelPhaseCounters(ulong RingFull, ulong BeginsStored, ulong EndsPaired, ulong EndsWithoutBegin, ulong PendingFull, ulong HistogramFull, ulong StatisticsFull)
{
    /// <summary>
    /// Begins stored and neither ended nor still pending: the LRU evicted them to make room.
    /// Exact once the programs are detached (while they run, a begin may be counted before the
    /// map shows it).
    /// </summary>
    public ulong Evicted(int stillPending) => BeginsStored - EndsPaired - Math.Min(BeginsStored - EndsPaired, (ulong)stillPending);
}

/// <summary>
/// The maps of in-kernel phase pairing (<see cref="PhaseProgramGenerator"/>), and reading them:
/// <code>
///   probes_pending  LRU hash     (u32 tgid, u32 0, u64 span)                       → (u64 ts, u64 parent, u32 id, u32 0, u64 ns, u64 cgroup)
///   probes_hist     per-CPU hash (u32 id, u32 status, u64 ns, u64 cgroup, u32 bucket, u32 0) → u64 count
///   probes_stats    per-CPU hash (u32 id, u32 status, u64 ns, u64 cgroup)          → (u64 count, total, ~min, max)
///   probes_seen     LRU hash     (u32 tgid, u32 id)                                → u64
/// </code>
/// The container key (<see cref="ContainerKey"/>) is (pid namespace inode | mount namespace inode &lt;&lt; 32),
/// the record's two fields at offset 24 read as one u64, and the cgroup id. The per-CPU counters are the session's counter map.
/// </summary>
public sealed class PhaseMaps : IDisposable
{
    public const int PendingKeySize = 16;
    public const int PendingValueSize = 40;
    public const int HistogramKeySize = 32;
    public const int StatisticsKeySize = 24;
    public const int StatisticsValueSize = 32;
    public const int SeenKeySize = 8;

    private readonly BpfMap _counters;

    private PhaseMaps(BpfMap pending, BpfMap histogram, BpfMap statistics, BpfMap seen, BpfMap counters)
    {
        Pending = pending;
        Histogram = histogram;
        Statistics = statistics;
        Seen = seen;
        _counters = counters;
    }

    public BpfMap Pending { get; }
    public BpfMap Histogram { get; }
    public BpfMap Statistics { get; }
    public BpfMap Seen { get; }

    /// <summary>Creates the four maps; <paramref name="counters"/> (a per-CPU array of u64, one slot per <see cref="PhaseCounter"/>) stays the caller's.</summary>
    public static PhaseMaps Create(Kernel kernel, KernelPairingOptions options, BpfMap counters)
    {
        var created = new List<BpfMap>();
        try
        {
            BpfMap Add(BpfMap map)
            {
                created.Add(map);
                return map;
            }
            return new PhaseMaps(
                Add(BpfMap.CreateLruHash(kernel, "probes_pending", PendingKeySize, PendingValueSize, options.PendingCapacity)),
                Add(BpfMap.CreatePerCpuHash(kernel, "probes_hist", HistogramKeySize, sizeof(ulong), options.HistogramCapacity)),
                Add(BpfMap.CreatePerCpuHash(kernel, "probes_stats", StatisticsKeySize, StatisticsValueSize, options.StatisticsCapacity)),
                Add(BpfMap.CreateLruHash(kernel, "probes_seen", SeenKeySize, sizeof(ulong), options.SeenCapacity)),
                counters);
        }
        catch
        {
            created.ForEach(map => map.Dispose());
            throw;
        }
    }

    public PhaseMapDescriptors Descriptors => new(Pending.Handle.Fd, Histogram.Handle.Fd, Statistics.Handle.Fd, Seen.Handle.Fd, _counters.Handle.Fd);

    public KernelPhaseCounters ReadCounters() => ReadCounters(_counters);

    public static KernelPhaseCounters ReadCounters(BpfMap counters)
    {
        ulong Sum(PhaseCounter counter) => counters.SumPerCpuUInt64((uint)counter);
        return new KernelPhaseCounters(Sum(PhaseCounter.RingFull), Sum(PhaseCounter.BeginsStored), Sum(PhaseCounter.EndsPaired),
            Sum(PhaseCounter.EndsWithoutBegin), Sum(PhaseCounter.PendingFull), Sum(PhaseCounter.HistogramFull), Sum(PhaseCounter.StatisticsFull));
    }

    /// <summary>Phases begun and not ended (nor evicted) now, at most <paramref name="limit"/>.</summary>
    public List<KernelPendingPhase> ReadPending(int limit)
    {
        var pending = new List<KernelPendingPhase>();
        var value = new byte[PendingValueSize];
        foreach (byte[] key in Pending.Keys())
        {
            if (pending.Count >= limit)
            {
                break;
            }
            if (Pending.Lookup(key, value))
            {
                pending.Add(new KernelPendingPhase((int)BinaryPrimitives.ReadUInt32LittleEndian(key), BinaryPrimitives.ReadUInt64LittleEndian(key.AsSpan(8)),
                    BinaryPrimitives.ReadUInt64LittleEndian(value), BinaryPrimitives.ReadUInt64LittleEndian(value.AsSpan(8)),
                    BinaryPrimitives.ReadUInt32LittleEndian(value.AsSpan(16)), Key(value.AsSpan(24))));
            }
        }
        return pending;
    }

    /// <summary>Phases begun and not ended (nor evicted) now.</summary>
    public int PendingCount() => Pending.Keys().Count();

    /// <summary>Every statistics row, each CPU's count and total added, min and max taken over the CPUs that saw the row.</summary>
    public List<KernelPhaseStatistics> ReadStatistics()
    {
        var rows = new List<KernelPhaseStatistics>();
        var value = new byte[Statistics.LookupSize];
        int slot = Statistics.PerCpuSlotSize;
        foreach (byte[] key in Statistics.Keys())
        {
            if (!Statistics.Lookup(key, value))
            {
                continue; // deleted between the key walk and the lookup
            }
            ulong count = 0, total = 0, min = ulong.MaxValue, max = 0;
            for (int offset = 0; offset + StatisticsValueSize <= value.Length; offset += slot)
            {
                ReadOnlySpan<byte> cpu = value.AsSpan(offset, StatisticsValueSize);
                ulong cpuCount = BinaryPrimitives.ReadUInt64LittleEndian(cpu);
                if (cpuCount == 0)
                {
                    continue;
                }
                count += cpuCount;
                total += BinaryPrimitives.ReadUInt64LittleEndian(cpu[8..]);
                min = Math.Min(min, ~BinaryPrimitives.ReadUInt64LittleEndian(cpu[16..])); // kept inverted
                max = Math.Max(max, BinaryPrimitives.ReadUInt64LittleEndian(cpu[24..]));
            }
            if (count > 0)
            {
                rows.Add(new KernelPhaseStatistics(BinaryPrimitives.ReadUInt32LittleEndian(key), BinaryPrimitives.ReadInt32LittleEndian(key.AsSpan(4)),
                    Key(key.AsSpan(8)), count, total, min, max));
            }
        }
        return rows;
    }

    /// <summary>Every non-empty histogram bucket, summed over CPUs.</summary>
    public List<KernelPhaseBucket> ReadHistogram()
    {
        var buckets = new List<KernelPhaseBucket>();
        var value = new byte[Histogram.LookupSize];
        foreach (byte[] key in Histogram.Keys())
        {
            if (!Histogram.Lookup(key, value))
            {
                continue;
            }
            ulong count = BpfMap.SumSlots(value, Histogram.PerCpuSlotSize);
            int bucket = BinaryPrimitives.ReadInt32LittleEndian(key.AsSpan(24));
            if (count > 0 && bucket is >= 0 and < PhaseBuckets.Count)
            {
                buckets.Add(new KernelPhaseBucket(BinaryPrimitives.ReadUInt32LittleEndian(key), BinaryPrimitives.ReadInt32LittleEndian(key.AsSpan(4)),
                    Key(key.AsSpan(8)), bucket, count));
            }
        }
        return buckets;
    }

    /// <summary>
    /// Deletes the statistics and histogram rows of the container keys <paramref name="which"/>
    /// selects (a node agent's removed containers, so the maps do not fill over weeks); returns how many.
    /// </summary>
    public int DeleteContainers(Func<ContainerKey, bool> which)
    {
        int deleted = 0;
        foreach (BpfMap map in new[] { Statistics, Histogram })
        {
            foreach (byte[] key in map.Keys().ToList())
            {
                if (which(Key(key.AsSpan(8))) && map.Delete(key))
                {
                    deleted++;
                }
            }
        }
        return deleted;
    }

    /// <summary>A container key as the maps store it: u64 namespaces, u64 cgroup id.</summary>
    private static ContainerKey Key(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt64LittleEndian(bytes), BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]));

    public void Dispose()
    {
        Pending.Dispose();
        Histogram.Dispose();
        Statistics.Dispose();
        Seen.Dispose();
    }
}
