using System.Text.Json;
using Probes.Consumer.Cli;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary><c>probes phases --format tree</c> and <c>tree-json</c> on the sample, and their usage rules.</summary>
[TestClass]
public sealed class PhasesTreeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [TestMethod]
    [DataRow("--merge-containers", "--merge-containers merges the trees of --format tree or tree-json")]
    [DataRow("--merge-containers --format chrome", "--merge-containers merges the trees of --format tree or tree-json")]
    [DataRow("--format tree --slow 1ms", "--slow lists slow phases in the table and json reports, not in --format tree")]
    [DataRow("--format tree --json", "--json means --format json; it conflicts with --format tree")]
    public void Tree_options_out_of_place_are_usage_errors(string options, string message)
    {
        var output = new StringWriter();
        var error = new StringWriter();

        int code = ProbesCli.Run(["phases", TestPaths.LibProbes, .. options.Split(' ')], new CliConsole(output, error));

        Assert.AreEqual((int)ExitCode.Usage, code);
        StringAssert.Contains(error.ToString(), message);
    }

    [TestMethod]
    [TestCategory("Kernel")]
    public void The_sample_startup_is_its_children_plus_its_own_time_with_the_fetches_concurrent()
    {
        Requirements.Root();
        string report = Path.Combine(TestPaths.ScratchDirectory, "phases.tree.json");
        // Started by probes (attached before it runs), so its startup is seen whoever else traces the host.
        ProcessResult tracer = ProbesBinary.Run("phases", "--format", "tree-json", "--output", report, "--",
            SampleService.Dotnet, SampleService.Dll, "--requests", "8", "--interval-ms", "1", "--fetch-children");
        Assert.AreEqual(0, tracer.ExitCode, tracer.Stderr);

        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(report));
        JsonElement container = json.RootElement.GetProperty("containers").EnumerateArray().Single();
        Assert.AreEqual("(host)", container.GetProperty("container").GetString());
        JsonElement startup = container.GetProperty("phases").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "Startup");
        JsonElement[] children = startup.GetProperty("children").EnumerateArray().ToArray();
        CollectionAssert.AreEqual(new[] { "LoadConfig", "WarmCaches", "ConnectDatabase" }, children.Select(c => c.GetProperty("name").GetString()).ToArray());
        // The three run one after the other: Startup's own time is its total minus theirs, exactly.
        ulong Total(JsonElement node) => node.GetProperty("total_ns").GetUInt64();
        Assert.AreEqual(Total(startup) - children.Aggregate(0UL, (sum, c) => sum + Total(c)), startup.GetProperty("self_ns").GetUInt64());
        JsonElement warm = children[1];
        JsonElement fetch = warm.GetProperty("children").EnumerateArray().Single();
        Assert.AreEqual(3, fetch.GetProperty("count").GetInt64());
        Assert.AreEqual(3, fetch.GetProperty("max_concurrent").GetInt32(), "the three fetches overlap (Task.WhenAll)");
        // WarmCaches' children cover the union of the fetches: at least the longest (p99 of three is the max), at most their sum.
        long warmSelf = warm.GetProperty("self_ns").GetInt64();
        Assert.IsTrue(warmSelf <= (long)Total(warm) - fetch.GetProperty("p99_ns").GetInt64(), $"self {warmSelf}");
        Assert.IsTrue(warmSelf >= (long)Total(warm) - (long)Total(fetch), $"self {warmSelf}");
        Assert.AreEqual("WarmCaches.Fetch.Decode", fetch.GetProperty("children")[0].GetProperty("name").GetString());
        Assert.AreEqual(3, fetch.GetProperty("children")[0].GetProperty("count").GetInt64());
        // Requests are their own roots, with their Query and Render children; every 4th query faulted.
        JsonElement request = container.GetProperty("phases").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "HandleRequest");
        Assert.AreEqual(8, request.GetProperty("count").GetInt64());
        JsonElement query = request.GetProperty("children").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "Query");
        Assert.AreEqual(2, query.GetProperty("faulted").GetInt64());
    }

    [TestMethod]
    [TestCategory("Kernel")]
    public void On_a_terminal_the_tree_is_drawn_live_and_not_printed_again()
    {
        Requirements.Root();
        Requirements.Tool("gcc");
        string workload = PhaseWorkload.Build();
        var trace = new TerminalTrace(["phases", workload, "--format", "tree", "--duration", "6"], width: 160);
        trace.WaitUntilAttached(Timeout);
        using (var run = new LiveProcess(workload, PhaseWorkload.Arguments(alpha: 20, beta: 0, orphans: 0, strays: 0, marks: 0, slow: 1)))
        {
            run.WaitForExit(Timeout);
            Assert.AreEqual(0, run.ExitCode, string.Join('\n', run.Stdout));
        }
        trace.AssertSucceeded(Timeout);

        // The last frame on the terminal is the tree: the slow pair's inner phase nested under its outer one.
        string drawn = trace.Terminal.Output;
        int outer = drawn.LastIndexOf("outer", StringComparison.Ordinal);
        Assert.IsTrue(outer >= 0, drawn);
        StringAssert.Contains(drawn[outer..], "inner", "the tree was drawn on the terminal, inner under outer");
        StringAssert.Contains(drawn, "self", "the tree's columns");
        Assert.AreEqual("", trace.Output.ToString(), "the live tree stays on screen; it is not printed again on stdout");
    }
}
