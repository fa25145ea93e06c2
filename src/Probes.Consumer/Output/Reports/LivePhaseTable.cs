using Probes.Consumer.Phases;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Probes.Consumer.Output.Reports;

/// <summary>
/// The phases table redrawn in place while a capture runs, on the console the CLI hands in
/// (a terminal; a test's Spectre.Console.Testing console). The capture runs inside
/// <see cref="Show"/> and calls the refresh it is given whenever the table should catch up; the
/// last state is drawn once more when the capture returns, so what stays on screen is final.
/// </summary>
public static class LivePhaseTable
{
    public static void Show(IAnsiConsole console, Func<PhaseReport> snapshot, Action<Action> capture) =>
        // Fitted to the terminal's width as it is at each redraw: a row never wraps.
        Show(console, width => FittedPhaseTable.Render(snapshot(), width), capture);

    /// <summary>Any report drawn in place the same way (the tree's live mode): <paramref name="draw"/> gets the terminal's width at each redraw.</summary>
    public static void Show(IAnsiConsole console, Func<int, IRenderable> draw, Action<Action> capture)
    {
        IRenderable Draw() => draw(console.Profile.Width);
        console.Live(Draw()).Start(context =>
        {
            capture(() => context.UpdateTarget(Draw()));
            context.UpdateTarget(Draw());
        });
    }
}
