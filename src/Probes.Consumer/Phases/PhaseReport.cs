namespace Probes.Consumer.Phases;

/// <summary>Everything a report shows: the per-phase rows and what could not be counted, and why.</summary>
/// <param name="Rows">Per container and phase.</param>
/// <param name="Lost">Events the kernel could not deliver (ring buffer full), counted in the BPF program.</param>
/// <param name="Unfinished">Phases that began and had not ended when tracing stopped.</param>
/// <param name="EndsWithoutBegin">Ends whose begin was before the consumer attached.</param>
/// <param name="Containers">Display names by container key ("" is the host).</param>
/// <param name="DroppedBegins">Begins not kept because the open-phase bound was reached (their phases are not counted).</param>
/// <param name="NotTabulated">Completed phases not counted in a row because the row bound was reached.</param>
/// <param name="Marks">Per container and mark name: count, last, min, max of the values.</param>
/// <param name="Kernel">What in-kernel pairing could not count; null when phases were paired from the events.</param>
/// <param name="Slow">The instances at or over <c>--slow</c>; null when no threshold was given.</param>
public sealed record PhaseReport(
    IReadOnlyList<PhaseRow> Rows,
    long Lost,
    IReadOnlyList<UnfinishedPhase> Unfinished,
    long EndsWithoutBegin,
    IReadOnlyDictionary<string, string> Containers,
    long DroppedBegins = 0,
    long NotTabulated = 0,
    IReadOnlyList<MarkRow>? Marks = null,
    KernelPairingLoss? Kernel = null,
    SlowPhaseReport? Slow = null)
{
    /// <summary>Rows grouped by container display name, biggest total time first within one.</summary>
    public IEnumerable<PhaseRow> OrderedRows() =>
        Rows.OrderBy(row => ContainerName(row.Container), StringComparer.Ordinal).ThenByDescending(row => row.TotalNs).ThenBy(row => row.Name, StringComparer.Ordinal);

    public string ContainerName(string key) =>
        key.Length == 0 ? "(host)" : Containers.TryGetValue(key, out string? name) ? name : key;
}
