using Probes.Consumer.Cli;
using Probes.Consumer.Output.Reports;
using Probes.Consumer.Phases;
using Spectre.Console.Testing;

namespace Probes.Consumer.Tests.Output;

/// <summary>The live phases table on a fake terminal (Spectre.Console.Testing): redrawn on each refresh, final state last, hostile names escaped.</summary>
[TestClass]
public sealed class LivePhaseTableTests
{
    private static PhaseReport Report(params PhaseRow[] rows) =>
        new(rows, 0, [], 0, new Dictionary<string, string> { ["abc"] = "web\u001b[2J\nx" });

    private static PhaseRow Row(string name, long count) => new("abc", name, 7, count, 2_000UL * (ulong)count, 1_000, 2_000, 2_000, 2_000, 3_000, 0, 0);

    [TestMethod]
    public void Each_refresh_draws_the_current_state_and_the_last_draw_is_the_final_one()
    {
        var console = new TestConsole().Interactive().Width(160);
        PhaseReport current = Report();
        var seenDuringCapture = new List<string>();

        LivePhaseTable.Show(console, () => current, refresh =>
        {
            refresh();
            seenDuringCapture.Add(console.Output);
            current = Report(Row("Startup", 1));
            refresh();
            seenDuringCapture.Add(console.Output);
            current = Report(Row("Startup", 2), Row("Query", 5));
        });

        StringAssert.Contains(seenDuringCapture[0], "no phase completed yet", "the first draw, before any event");
        StringAssert.Contains(seenDuringCapture[1], "Startup");
        Assert.IsFalse(seenDuringCapture[1].Contains("Query", StringComparison.Ordinal), "Query had not happened at the first refresh");
        string last = console.Output[seenDuringCapture[1].Length..];
        string startup = last.Split('\n').Last(line => line.Contains("Startup", StringComparison.Ordinal));
        StringAssert.Contains(startup, " 2 ", "the capture's last state is drawn when it returns");
        StringAssert.Contains(last, "Query");
    }

    [TestMethod]
    public void A_hostile_phase_or_container_name_cannot_drive_the_terminal()
    {
        var console = new TestConsole().Interactive().Width(200);
        PhaseReport current = Report(Row("evil\u001b]0;pwned\u0007\r\n[red]x[/]", 1));

        LivePhaseTable.Show(console, () => current, refresh => refresh());

        string output = console.Output;
        Assert.IsFalse(output.Replace("\n", "", StringComparison.Ordinal).Any(char.IsControl), output);
        StringAssert.Contains(output, "evil\\x1b]0;pwned\\x07\\x0d\\x0a[red]x[/]", "escaped, and never read as markup");
        StringAssert.Contains(output, "web\\x1b[2J\\x0ax");
    }

    [TestMethod]
    public void The_cli_console_is_not_interactive_unless_wired_to_a_terminal()
    {
        // phases draws the live table only when the console the CLI wired says it is interactive.
        Assert.IsFalse(new CliConsole(TextWriter.Null, TextWriter.Null).Terminal.Profile.Capabilities.Interactive);
        Assert.IsTrue(new CliConsole(TextWriter.Null, TextWriter.Null) { Terminal = new TestConsole().Interactive() }.Terminal.Profile.Capabilities.Interactive);
    }
}
