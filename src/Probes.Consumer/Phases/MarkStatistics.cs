namespace Probes.Consumer.Phases;

/// <summary>
/// One <c>probes:mark</c> hit (Probe ABI v1: <c>mark(id, name, value)</c>), with the kernel's
/// monotonic clock and the thread it fired on, for a timeline.
/// </summary>
public readonly record struct MarkEvent(string Container, uint MarkId, string Name, long Value, ulong TimestampNs = 0, int Pid = 0, int Tid = 0);

/// <summary>The marks of one name in one container: how many, the last value, the smallest and largest.</summary>
public sealed record MarkRow(string Container, string Name, uint Id, long Count, long Last, long Min, long Max);

/// <summary>
/// Marks per (container, name). Names come from the traced side, so rows are bounded like
/// <see cref="PhaseStatistics"/>: marks of names beyond the bound are counted, not shown.
/// </summary>
public sealed class MarkStatistics(int maxRows = MarkStatistics.DefaultMaxRows)
{
    public const int DefaultMaxRows = 4_096;

    private readonly Dictionary<(string Container, string Name), MarkRow> _rows = new();

    /// <summary>Marks not counted in a row because the row bound was reached.</summary>
    public long NotTabulated { get; private set; }

    public void Add(in MarkEvent mark)
    {
        if (_rows.TryGetValue((mark.Container, mark.Name), out MarkRow? row))
        {
            _rows[(mark.Container, mark.Name)] = row with
            {
                Count = row.Count + 1,
                Last = mark.Value,
                Min = Math.Min(row.Min, mark.Value),
                Max = Math.Max(row.Max, mark.Value),
            };
            return;
        }
        if (_rows.Count >= maxRows)
        {
            NotTabulated++;
            return;
        }
        _rows[(mark.Container, mark.Name)] = new MarkRow(mark.Container, mark.Name, mark.MarkId, 1, mark.Value, mark.Value, mark.Value);
    }

    /// <summary>Drops the rows of the containers <paramref name="gone"/> selects (a node agent's removed containers); returns how many.</summary>
    public int Forget(Func<string, bool> gone)
    {
        var dropped = _rows.Keys.Where(key => gone(key.Container)).ToList();
        foreach ((string Container, string Name) key in dropped)
        {
            _rows.Remove(key);
        }
        return dropped.Count;
    }

    /// <summary>A snapshot, by container then name.</summary>
    public IReadOnlyList<MarkRow> Rows() =>
        _rows.Values.OrderBy(row => row.Container, StringComparer.Ordinal).ThenBy(row => row.Name, StringComparer.Ordinal).ToList();
}
