using Probes.Consumer.Targets;

namespace Probes.Consumer.Phases;

/// <summary>
/// <c>--phase GLOB</c> (repeatable): the phases a report shows, by name (<c>*</c>, <c>?</c>;
/// case-sensitive). No glob selects every phase. Marks are not phases and are always shown.
/// </summary>
public sealed class PhaseSelection(IReadOnlyList<string> globs)
{
    public static readonly PhaseSelection All = new([]);

    public bool SelectsAll => globs.Count == 0;

    public bool Selects(string name) => globs.Count == 0 || globs.Any(glob => Glob.Matches(glob, name));

    /// <summary>The report with only the selected phases' rows and unfinished instances (its counts of what was lost stay whole).</summary>
    public PhaseReport Apply(PhaseReport report) => SelectsAll ? report : report with
    {
        Rows = report.Rows.Where(row => Selects(row.Name)).ToList(),
        Unfinished = report.Unfinished.Where(open => Selects(open.Name)).ToList(),
    };
}
