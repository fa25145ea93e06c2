namespace Probes.Consumer.Phases;

/// <summary>One phase in one window: what happened in it, next to the cumulative row.</summary>
/// <param name="Count">Phases completed in the window.</param>
/// <param name="PerSecond">Count divided by the window's length.</param>
/// <param name="P50Ns">The window's median (0 when none completed in it).</param>
public sealed record WindowRow(PhaseRow Cumulative, long Count, double PerSecond, ulong TotalNs, ulong P50Ns, ulong P99Ns, long Faulted, long Canceled);

/// <summary>
/// <c>--interval</c>: turns successive cumulative reports into windows. Counts, totals and
/// statuses are differences; the window's percentiles come from the difference of the
/// histograms (<see cref="DurationHistogram.Since"/>), so they are as exact as the cumulative
/// ones (within a bucket). A row that had nothing in a window is still listed, with zeros.
/// </summary>
public sealed class PhaseWindows
{
    private Dictionary<(string Container, string Name), PhaseRow> _previous = new();

    public IReadOnlyList<WindowRow> Next(PhaseReport cumulative, TimeSpan length)
    {
        double seconds = Math.Max(length.TotalSeconds, 1e-9);
        var rows = new List<WindowRow>();
        var current = new Dictionary<(string, string), PhaseRow>();
        foreach (PhaseRow row in cumulative.OrderedRows())
        {
            current[(row.Container, row.Name)] = row;
            PhaseRow? before = _previous.GetValueOrDefault((row.Container, row.Name));
            long count = row.Count - (before?.Count ?? 0);
            DurationHistogram? window = row.Durations?.Since(before?.Durations);
            rows.Add(new WindowRow(row, count, count / seconds, row.TotalNs - (before?.TotalNs ?? 0),
                count > 0 && window is not null ? window.Percentile(50) : 0,
                count > 0 && window is not null ? window.Percentile(99) : 0,
                row.Faulted - (before?.Faulted ?? 0), row.Canceled - (before?.Canceled ?? 0)));
        }
        _previous = current;
        return rows;
    }
}
