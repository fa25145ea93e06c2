using Spectre.Console;
using Spectre.Console.Rendering;

namespace Probes.Consumer.Output.Tables;

/// <summary>
/// The one table style of the CLI (the phases table, live and final, and the containers
/// listing): Spectre's simple border (a rule under the header, no cell lines), names left,
/// numbers right. A cell a target chose goes through <see cref="Untrusted"/>.
/// </summary>
public static class ProbesTable
{
    public static Table Create(IEnumerable<string> leftColumns, IEnumerable<string>? rightColumns = null)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (string column in leftColumns)
        {
            table.AddColumn(new TableColumn(column));
        }
        foreach (string column in rightColumns ?? [])
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }
        return table;
    }

    /// <summary>Text from the traced side: terminal escapes made visible, and never read as Spectre markup.</summary>
    public static IRenderable Untrusted(string? text) => new Text(TerminalText.Safe(text ?? "-"));

    /// <summary>Text probes wrote itself (numbers, durations, fixed words).</summary>
    public static IRenderable Plain(string text) => new Text(text);
}
