using System.Globalization;
using Probes.Consumer.Bpf.Programs;

namespace Probes.Consumer.Agent;

/// <summary>
/// The <c>le</c> bounds of <c>probes_phase_duration_seconds</c>, fixed for every series and
/// derived from the kernel's log-linear buckets (<see cref="PhaseBuckets"/>) so that no kernel
/// bucket straddles an exported bound: each nominal bound (1-2.5-5 per decade from 10 us to 60 s)
/// is moved to the nearest kernel bucket boundary B (at most 1/64 away), and exported as
/// <c>le = (B - 1) ns</c>. Durations are whole nanoseconds, so "at most B - 1 ns" is exactly "in a
/// kernel bucket below B": each exported count is the exact sum of whole kernel buckets.
/// </summary>
public static class ExportedBuckets
{
    private static readonly ulong[] NominalNanoseconds =
    [
        10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000,
        100_000_000, 250_000_000, 500_000_000, 1_000_000_000, 2_500_000_000, 5_000_000_000,
        10_000_000_000, 30_000_000_000, 60_000_000_000,
    ];

    /// <summary>The kernel bucket boundaries the bounds sit on (the lower bound of the first bucket above each), ascending.</summary>
    public static IReadOnlyList<ulong> Boundaries { get; } = NominalNanoseconds.Select(Snap).ToArray();

    /// <summary>The exported bounds in nanoseconds: each boundary less one.</summary>
    public static IReadOnlyList<ulong> UpperBoundsNanoseconds { get; } = Boundaries.Select(b => b - 1).ToArray();

    /// <summary>The <c>le</c> label values, in seconds, written exactly (nine decimals at most, no exponent), then "+Inf".</summary>
    public static IReadOnlyList<string> Labels { get; } = [.. UpperBoundsNanoseconds.Select(Seconds), "+Inf"];

    /// <summary>
    /// The exported bucket that kernel bucket <paramref name="index"/> falls in (0..<see cref="Boundaries"/>.Count,
    /// the last being +Inf): the first whose boundary is at or above the kernel bucket's upper end.
    /// </summary>
    public static int SlotOf(int index)
    {
        ulong end = PhaseBuckets.LowerBound(index) + PhaseBuckets.Width(index); // exclusive
        for (int slot = 0; slot < Boundaries.Count; slot++)
        {
            if (end <= Boundaries[slot])
            {
                return slot;
            }
        }
        return Boundaries.Count;
    }

    /// <summary>Nanoseconds as seconds, exactly: "0.000009983", "1.5", "60".</summary>
    public static string Seconds(ulong nanoseconds)
    {
        ulong whole = nanoseconds / 1_000_000_000, fraction = nanoseconds % 1_000_000_000;
        return fraction == 0
            ? whole.ToString(CultureInfo.InvariantCulture)
            : $"{whole.ToString(CultureInfo.InvariantCulture)}.{fraction.ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0')}";
    }

    /// <summary>The kernel bucket boundary nearest <paramref name="nanoseconds"/>.</summary>
    private static ulong Snap(ulong nanoseconds)
    {
        int index = PhaseBuckets.Index(nanoseconds);
        ulong lower = PhaseBuckets.LowerBound(index), upper = lower + PhaseBuckets.Width(index);
        return nanoseconds - lower <= upper - nanoseconds ? lower : upper;
    }
}
