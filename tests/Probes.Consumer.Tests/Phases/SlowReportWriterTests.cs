using System.Text;
using System.Text.Json;
using Probes.Consumer.Output.Reports;
using Probes.Consumer.Phases;

namespace Probes.Consumer.Tests.Phases;

/// <summary>The slow instances in the reports: JSON's <c>slow</c> object and the table's section after the table.</summary>
[TestClass]
public sealed class SlowReportWriterTests
{
    private static readonly DateTimeOffset Epoch = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static PhaseReport Report(int instances, int capacity = SlowPhases.DefaultCapacity)
    {
        var slow = new SlowPhases(10_000_000, ns => Epoch.AddTicks((long)(ns / 100)), capacity);
        var startup = new UnfinishedPhase("abc", 42, 42, 1, "Startup", 1, 0, 0);
        for (int i = 0; i < instances; i++)
        {
            slow.Offer(new SlowPhase("abc", 42, 43, 7, "Fetch\u001b[2J", (ulong)(100 + i), 1, i == 0 ? PhaseStatus.Faulted : PhaseStatus.Completed,
                1_500_000_000, (ulong)(20_000_000 + i * 1_000_000)));
        }
        return new PhaseReport([], 0, [startup], 0, new Dictionary<string, string> { ["abc"] = "web-1" }, Slow: slow.Report([startup]));
    }

    [TestMethod]
    public void Json_has_the_threshold_the_count_and_each_instance()
    {
        using var stream = new MemoryStream();
        JsonReportWriter.Write(Report(2), stream);
        using JsonDocument document = JsonDocument.Parse(stream.ToArray());
        JsonElement slow = document.RootElement.GetProperty("slow");
        Assert.AreEqual(10_000_000UL, slow.GetProperty("threshold_ns").GetUInt64());
        Assert.AreEqual(2, slow.GetProperty("count").GetInt64());
        JsonElement first = slow.GetProperty("instances")[0];
        Assert.AreEqual(21_000_000UL, first.GetProperty("duration_ns").GetUInt64(), "slowest first");
        Assert.AreEqual("Fetch\u001b[2J", first.GetProperty("name").GetString());
        Assert.AreEqual(7u, first.GetProperty("id").GetUInt32());
        Assert.AreEqual("web-1", first.GetProperty("container").GetString());
        Assert.AreEqual("abc", first.GetProperty("container_id").GetString());
        Assert.AreEqual((42, 43), (first.GetProperty("pid").GetInt32(), first.GetProperty("tid").GetInt32()));
        Assert.AreEqual((101UL, 1UL), (first.GetProperty("span").GetUInt64(), first.GetProperty("parent").GetUInt64()));
        Assert.AreEqual("Startup", first.GetProperty("parent_chain").EnumerateArray().Single().GetString());
        Assert.AreEqual("completed", first.GetProperty("status").GetString());
        Assert.AreEqual("faulted", slow.GetProperty("instances")[1].GetProperty("status").GetString());
        Assert.AreEqual("2026-12-07T12:00:01.500000Z", first.GetProperty("started_at").GetString());
    }

    [TestMethod]
    public void Json_has_no_slow_object_without_a_threshold()
    {
        using var stream = new MemoryStream();
        JsonReportWriter.Write(Report(2) with { Slow = null }, stream);
        using JsonDocument document = JsonDocument.Parse(stream.ToArray());
        Assert.IsFalse(document.RootElement.TryGetProperty("slow", out _));
    }

    [TestMethod]
    public void The_table_lists_the_slowest_after_the_phases_and_says_how_many_more()
    {
        string text = Encoding.UTF8.GetString(TableReportWriter.Text(Report(25, capacity: 22)));
        string[] lines = text.Split('\n');
        int title = Array.FindIndex(lines, line => line.StartsWith("slow phases (>= 10.0 ms): 25 instances", StringComparison.Ordinal));
        Assert.IsTrue(title > Array.FindIndex(lines, line => line.Contains("lost events", StringComparison.Ordinal)), text);
        string[] rows = lines.Where(line => line.Contains("Fetch", StringComparison.Ordinal)).ToArray();
        Assert.HasCount(SlowPhaseTable.MaxPrintedRows, rows);
        StringAssert.Contains(rows[0], "44.0 ms");
        StringAssert.Contains(rows[0], "web-1");
        StringAssert.Contains(rows[0], "Startup");
        StringAssert.Contains(rows[0], "2026-12-07T12:00:01.500000Z");
        StringAssert.Contains(rows[0], "Fetch\\x1b[2J", "a target's name is escaped");
        StringAssert.Contains(text, "and 5 more (the JSON report lists the slowest 22)");
    }

    [TestMethod]
    public void With_none_over_the_threshold_the_section_says_so()
    {
        string text = Encoding.UTF8.GetString(TableReportWriter.Text(Report(0)));
        StringAssert.Contains(text, "slow phases (>= 10.0 ms): 0 instances");
    }
}
