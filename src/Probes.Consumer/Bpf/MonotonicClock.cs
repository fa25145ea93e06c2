using System.Diagnostics;

namespace Probes.Consumer.Bpf;

/// <summary>
/// Converts bpf_ktime_get_ns (CLOCK_MONOTONIC) to wall-clock time. .NET's Stopwatch reads the
/// same clock on Linux, so one pairing of the two clocks taken at start-up is enough.
/// </summary>
public sealed class MonotonicClock
{
    private readonly DateTimeOffset _wallAtAnchor;
    private readonly long _monotonicAtAnchorNs;

    public MonotonicClock()
    {
        long before = MonotonicNanoseconds();
        _wallAtAnchor = DateTimeOffset.UtcNow;
        long after = MonotonicNanoseconds();
        _monotonicAtAnchorNs = before + (after - before) / 2;
    }

    public static long MonotonicNanoseconds()
    {
        long ticks = Stopwatch.GetTimestamp();
        return Stopwatch.Frequency == 1_000_000_000 ? ticks : (long)(ticks * (1e9 / Stopwatch.Frequency));
    }

    /// <summary>Nanoseconds since the Unix epoch (OTLP's time unit), at the kernel clock's own resolution.</summary>
    public ulong ToUnixNanoseconds(ulong monotonicNanoseconds) =>
        (ulong)((_wallAtAnchor - DateTimeOffset.UnixEpoch).Ticks * 100 + ((long)monotonicNanoseconds - _monotonicAtAnchorNs));

    public DateTimeOffset ToWallClock(ulong monotonicNanoseconds) =>
        _wallAtAnchor.AddTicks(((long)monotonicNanoseconds - _monotonicAtAnchorNs) / 100);
}
