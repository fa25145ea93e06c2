using System.Text;

namespace Probes.Consumer.Output.Tables;

/// <summary>
/// A column of a <see cref="FittedTable"/>. <paramref name="Keep"/> orders which columns go first
/// when the width is short (the lowest goes first; <see cref="Always"/> never goes); a
/// <paramref name="Abbreviate"/>d column (a name) is shortened in the middle down to
/// <paramref name="MinWidth"/> before any other column goes.
/// </summary>
public sealed record FittedColumn(string Header, bool Right = true, int Keep = FittedColumn.Always, bool Abbreviate = false, int MinWidth = 8)
{
    public const int Always = int.MaxValue;
}

/// <summary>
/// A plain-text table that fits a width: columns are chosen by what fits (the least needed
/// dropped first), names are abbreviated in the middle ("Handl…quest"), and no row is ever
/// wrapped. Cells are shown as given: the caller escapes text from the target first.
/// </summary>
public static class FittedTable
{
    private const int Gap = 2;

    public static List<string> Lines(IReadOnlyList<FittedColumn> columns, IReadOnlyList<string[]> rows, int width)
    {
        int[] natural = columns.Select((c, i) => Math.Max(c.Header.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var shown = Enumerable.Range(0, columns.Count).ToList();
        int Total(Func<int, int> widthOf) => shown.Sum(widthOf) + (Gap * Math.Max(0, shown.Count - 1));
        int Shortest(int i) => columns[i].Abbreviate ? Math.Min(natural[i], columns[i].MinWidth) : natural[i];
        while (Total(Shortest) > width && shown.Where(i => columns[i].Keep != FittedColumn.Always).OrderBy(i => columns[i].Keep).FirstOrDefault(-1) is int drop and >= 0)
        {
            shown.Remove(drop);
        }
        int[] widths = natural.ToArray();
        // Abbreviate the widest name first, one character at a time, until the row fits.
        while (Total(i => widths[i]) > width && shown.Where(i => columns[i].Abbreviate && widths[i] > Shortest(i)).OrderByDescending(i => widths[i]).FirstOrDefault(-1) is int name and >= 0)
        {
            widths[name]--;
        }
        var lines = new List<string> { Row(shown, columns, widths, columns.Select(c => c.Header).ToArray()) };
        lines.Add(new string('─', Math.Min(width, Total(i => widths[i]))));
        lines.AddRange(rows.Select(row => Row(shown, columns, widths, row)));
        // Past every choice (a width under the always-shown columns' own), cut rather than wrap.
        return lines.Select(line => line.Length > width ? line[..Math.Max(0, width)] : line).ToList();
    }

    /// <summary>"Handl…quest": the start and the end of a name, which tell names apart better than either alone.</summary>
    public static string Middle(string text, int width)
    {
        if (text.Length <= width)
        {
            return text;
        }
        if (width <= 1)
        {
            return width == 1 ? "…" : "";
        }
        int head = (width - 1 + 1) / 2;
        int tail = width - 1 - head;
        return string.Concat(text.AsSpan(0, head), "…", text.AsSpan(text.Length - tail));
    }

    private static string Row(List<int> shown, IReadOnlyList<FittedColumn> columns, int[] widths, string[] cells)
    {
        var line = new StringBuilder();
        foreach (int i in shown)
        {
            if (line.Length > 0)
            {
                line.Append(' ', Gap);
            }
            string cell = columns[i].Abbreviate ? Middle(cells[i], widths[i]) : cells[i];
            line.Append(columns[i].Right ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]));
        }
        return line.ToString().TrimEnd();
    }
}
