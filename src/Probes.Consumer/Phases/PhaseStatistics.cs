namespace Probes.Consumer.Phases;

/// <summary>The numbers of one phase in one container (or on the host, container "").</summary>
public sealed record PhaseRow(
    string Container,
    string Name,
    uint Id,
    long Count,
    ulong TotalNs,
    ulong MinNs,
    ulong P50Ns,
    ulong P90Ns,
    ulong P99Ns,
    ulong MaxNs,
    long Faulted,
    long Canceled)
{
    /// <summary>The durations behind the percentiles (a snapshot), for windows over successive reports (<see cref="PhaseWindows"/>); null when not kept.</summary>
    public DurationHistogram? Durations { get; init; }
}

/// <summary>
/// Aggregates completed phases per (container, phase name). The traced side chooses the names,
/// so the number of rows is bounded: a program firing phases under ever new names would
/// otherwise grow a histogram per name. Phases of names beyond the bound are counted, not shown.
/// </summary>
public sealed class PhaseStatistics(int maxRows = PhaseStatistics.DefaultMaxRows)
{
    /// <summary>Real services have tens of phases per container; one row's histogram is 1-59 KB.</summary>
    public const int DefaultMaxRows = 4_096;

    private readonly Dictionary<(string Container, string Name), Accumulator> _byPhase = new();

    /// <summary>Completed phases not tabulated because their name would have been a row past the bound.</summary>
    public long NotTabulated { get; private set; }

    public void Add(CompletedPhase phase)
    {
        if (!_byPhase.TryGetValue((phase.Container, phase.Name), out Accumulator? accumulator))
        {
            if (_byPhase.Count >= maxRows)
            {
                NotTabulated++;
                return;
            }
            _byPhase[(phase.Container, phase.Name)] = accumulator = new Accumulator(phase.PhaseId);
        }
        accumulator.Add(phase);
    }

    /// <summary>A snapshot, ordered by container then by total time spent (largest first).</summary>
    /// <param name="withDurations">Copy each row's histogram into it (<see cref="PhaseRow.Durations"/>, for <c>--interval</c> windows).</param>
    public IReadOnlyList<PhaseRow> Rows(bool withDurations = false) =>
        _byPhase.Select(entry => entry.Value.ToRow(entry.Key.Container, entry.Key.Name, withDurations))
            .OrderBy(row => row.Container, StringComparer.Ordinal)
            .ThenByDescending(row => row.TotalNs)
            .ThenBy(row => row.Name, StringComparer.Ordinal)
            .ToList();

    private sealed class Accumulator(uint id)
    {
        private readonly DurationHistogram _durations = new();
        private ulong _total;
        private long _faulted;
        private long _canceled;

        public void Add(CompletedPhase phase)
        {
            _durations.Record(phase.DurationNs);
            _total += phase.DurationNs;
            _faulted += phase.Status == PhaseStatus.Faulted ? 1 : 0;
            _canceled += phase.Status == PhaseStatus.Canceled ? 1 : 0;
        }

        public PhaseRow ToRow(string container, string name, bool withDurations) => new(
            container, name, id, _durations.Count, _total, _durations.Min,
            _durations.Percentile(50), _durations.Percentile(90), _durations.Percentile(99), _durations.Max,
            _faulted, _canceled)
        {
            Durations = withDurations ? _durations.Clone() : null,
        };
    }
}
