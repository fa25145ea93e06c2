using System.Globalization;
using Probes.Consumer.Output.Json;
using Probes.Consumer.Output.Tables;
using Probes.Consumer.Tracing.Discovery;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Probes.Consumer.Output.Listings;

/// <summary>
/// <c>probes ps</c>: the processes that map libprobes.so, as a table (command line and phases
/// shortened to fit a row) or one JSON array (<see cref="ProcessJson"/>, the bounded command line whole).
/// </summary>
public static class ProcessListing
{
    /// <summary>Characters of the command line and of the phase list shown in a table cell.</summary>
    public const int MaxCellText = 60;

    private static readonly string[] Columns = ["PID", "CONTAINER", "COMMAND", "PHASES"];

    public static IRenderable Table(IReadOnlyList<ProbesProcess> processes)
    {
        Table table = ProbesTable.Create(Columns);
        foreach (ProbesProcess process in processes)
        {
            string phases = string.Join(", ", process.Phases);
            int more = process.PhasesNotShown;
            table.AddRow(
                ProbesTable.Plain(process.Pid.ToString(CultureInfo.InvariantCulture)),
                ProbesTable.Untrusted(process.Container is { } container ? container.Name ?? container.ShortId : "(host)"),
                ProbesTable.Untrusted(Shorten(process.CommandLine ?? process.Comm ?? "?")),
                ProbesTable.Untrusted(phases.Length == 0 ? "-" : Shorten(phases) + (more > 0 ? $" (+{more})" : "")));
        }
        return table;
    }

    public static string Json(IReadOnlyList<ProbesProcess> processes) => OutputJson.Text<IReadOnlyList<ProcessJson>>(
        processes.Select(p => new ProcessJson(
            p.Pid, p.Comm, p.CommandLine, p.Container?.Name, p.Container?.Id, p.Container?.Image, p.Library, p.Phases, p.PhasesNotShown)).ToList(),
        OutputJsonContext.Default.IReadOnlyListProcessJson);

    private static string Shorten(string text) => text.Length <= MaxCellText ? text : text[..(MaxCellText - 1)] + "…";
}
