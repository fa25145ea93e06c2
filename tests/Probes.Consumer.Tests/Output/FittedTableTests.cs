using Probes.Consumer.Output.Reports;
using Probes.Consumer.Output.Tables;
using Probes.Consumer.Phases;
using Spectre.Console.Testing;

namespace Probes.Consumer.Tests.Output;

/// <summary>The phases table on an 80-column terminal: columns chosen by width, names shortened in the middle, no row wrapped.</summary>
[TestClass]
public sealed class FittedTableTests
{
    private static PhaseRow Row(string name, string container = "abc") => new(container, name, 7, 12_345, 987_654_321_000, 1_000, 2_000_000, 3_000_000, 40_000_000, 50_000_000, 12, 3);

    private static PhaseReport Report(params PhaseRow[] rows) =>
        new(rows, 0, [], 0, new Dictionary<string, string> { ["abc"] = "checkout-service-replica-7" });

    [TestMethod]
    public void At_80_columns_every_row_is_one_line_with_long_names_shortened_in_the_middle()
    {
        // What the live view draws at each refresh, on a terminal 80 columns wide.
        var console = new TestConsole().Width(80);
        PhaseReport report = Report(Row("HandleRequest.AuthenticateAndAuthorizeTheCaller"), Row("WarmCaches.Fetch.Decode"), Row("Q"));

        console.Write(FittedPhaseTable.Render(report, console.Profile.Width));

        string[] lines = console.Lines.Where(l => l.Trim().Length > 0).ToArray();
        Assert.IsTrue(lines.All(l => l.TrimEnd().Length <= 80), string.Join('\n', lines));
        string request = lines.Last(l => l.Contains("Handle", StringComparison.Ordinal));
        StringAssert.Contains(request, "…", "abbreviated");
        StringAssert.Contains(request, "Caller", "the end of the name is kept");
        StringAssert.Contains(request, "12345", "the count stays on the row");
        StringAssert.Contains(request, "40.0 ms", "p99 fits at 80 columns");
        Assert.IsFalse(lines.Any(l => l.Contains(" max ", StringComparison.Ordinal)), "min, max and p90 go first");
        Assert.AreEqual(3, lines.Count(l => l.StartsWith("checko…", StringComparison.Ordinal)), "one line per row:\n" + string.Join("\n", lines));
    }

    [TestMethod]
    public void On_a_wide_terminal_nothing_is_dropped_or_shortened()
    {
        List<string> lines = FittedTable.Lines([new("name", Right: false, Abbreviate: true), new("a"), new("b", Keep: 1)], [["HandleRequest", "1", "2"]], 200);

        Assert.AreEqual("name           a  b", lines[0]);
        Assert.AreEqual("HandleRequest  1  2", lines[2]);
    }

    [TestMethod]
    public void Columns_go_in_the_order_asked_and_names_shrink_to_their_minimum_before_the_needed_ones_go()
    {
        FittedColumn[] columns = [new("name", Right: false, Abbreviate: true, MinWidth: 6), new("count"), new("p99", Keep: 2), new("max", Keep: 1)];
        string[][] rows = [["HandleRequest", "12345", "40.0 ms", "50.0 ms"]];

        List<string> narrow = FittedTable.Lines(columns, rows, 24);
        List<string> tiny = FittedTable.Lines(columns, rows, 10);

        Assert.AreEqual("Hand…est  12345  40.0 ms", narrow[2], "max went first, then the name shrank as far as needed");
        Assert.IsTrue(tiny.All(l => l.Length <= 10), string.Join('\n', tiny));
        Assert.AreEqual("Hand…uest", FittedTable.Middle("HandleRequest", 9));
    }

    [TestMethod]
    public void A_window_has_the_differences_and_its_own_percentiles()
    {
        var statistics = new PhaseStatistics();
        var windows = new PhaseWindows();
        void Add(int count, ulong ns)
        {
            for (int i = 0; i < count; i++)
            {
                statistics.Add(new CompletedPhase("", 1, 1, 7, "Query", (ulong)i, 0, 0, ns, PhaseStatus.Completed));
            }
        }
        PhaseReport Snapshot() => new(statistics.Rows(withDurations: true), 0, [], 0, new Dictionary<string, string>());

        Add(100, 1_000_000);
        WindowRow first = windows.Next(Snapshot(), TimeSpan.FromSeconds(10)).Single();
        Add(50, 9_000_000);
        WindowRow second = windows.Next(Snapshot(), TimeSpan.FromSeconds(5)).Single();
        WindowRow empty = windows.Next(Snapshot(), TimeSpan.FromSeconds(5)).Single();

        Assert.AreEqual(100, first.Count);
        Assert.AreEqual(10.0, first.PerSecond, 1e-9);
        Assert.AreEqual(50, second.Count);
        Assert.AreEqual(10.0, second.PerSecond, 1e-9);
        Assert.AreEqual(9_000_000, second.P50Ns, 9_000_000 / 128.0, "the window's median is its own values'");
        Assert.AreEqual(1_000_000, second.Cumulative.P50Ns, 1_000_000 / 128.0, "the cumulative median is still the first hundred's");
        Assert.AreEqual(150, second.Cumulative.Count);
        Assert.AreEqual(0, empty.Count);
        Assert.AreEqual(0UL, empty.P99Ns);
    }
}
