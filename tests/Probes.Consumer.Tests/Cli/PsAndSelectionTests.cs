using System.Text.Json;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary><c>probes ps</c> and <c>probes phases -n NAME --phase GLOB</c> against the sample.</summary>
[TestClass]
public sealed class PsAndSelectionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [TestMethod]
    [TestCategory("Kernel")]
    [TestCategory("Cli")]
    public void Ps_lists_the_sample_with_its_command_line_and_declared_phases()
    {
        Requirements.Root();
        using LiveProcess sample = SampleService.Start("--requests", "100000", "--interval-ms", "20");

        ProcessResult json = ProbesBinary.Run("ps", "--format", "json");
        ProcessResult table = ProbesBinary.Run("ps");

        Assert.AreEqual(0, json.ExitCode, json.Stderr);
        using JsonDocument document = JsonDocument.Parse(json.Stdout);
        JsonElement process = document.RootElement.EnumerateArray().Single(p => p.GetProperty("pid").GetInt32() == sample.Pid);
        StringAssert.Contains(process.GetProperty("command_line").GetString(), "Probes.Sample.dll --requests 100000 --interval-ms 20");
        StringAssert.EndsWith(process.GetProperty("library").GetString(), "/libprobes.so");
        Assert.AreEqual(JsonValueKind.Null, process.GetProperty("container").ValueKind);
        var phases = process.GetProperty("phases").EnumerateArray().Select(p => p.GetString()).ToList();
        CollectionAssert.IsSubsetOf(new[] { "Startup", "WarmCaches", "WarmCaches.Fetch", "HandleRequest", "Query" }, phases);
        Assert.AreEqual(0, table.ExitCode, table.Stderr);
        string row = table.Stdout.Split('\n').Single(l => l.TrimStart().StartsWith($"{sample.Pid} ", StringComparison.Ordinal));
        StringAssert.Contains(row, "(host)");
        StringAssert.Contains(row, "ConnectDatabase, HandleRequest", "the declared phases, sorted");
    }

    [TestMethod]
    [TestCategory("Kernel")]
    public void Phases_by_process_name_shows_only_the_selected_phases()
    {
        Requirements.Root();
        // Serving for a few seconds: a host-wide agent elsewhere may have let it start before this attach.
        using LiveProcess sample = SampleService.Start("--wait-for-tracer", "60", "--requests", "100", "--interval-ms", "25");
        sample.WaitForStdout("sample pid=", Timeout);
        using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["phases", "-n", "Probes.Samp*", "--phase", "Handle*", "--phase", "Query", "--format", "json"]);
        tracer.WaitForStderr("attached", Timeout);
        sample.WaitForExit(Timeout);
        tracer.Signal(Signals.SIGTERM);
        tracer.WaitForExit(Timeout);

        Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));
        using JsonDocument report = JsonDocument.Parse(tracer.Result.Stdout);
        // Other samples on this host (other tests, in containers or not) answer to the name too: at least ours is counted.
        var counts = report.RootElement.GetProperty("phases").EnumerateArray()
            .GroupBy(r => r.GetProperty("name").GetString()!).ToDictionary(g => g.Key, g => g.Sum(r => r.GetProperty("count").GetInt64()));
        CollectionAssert.AreEquivalent(new[] { "HandleRequest", "Query" }, counts.Keys.ToArray(), "only the selected phases");
        Assert.IsTrue(counts["Query"] >= 1 && counts["HandleRequest"] >= counts["Query"] - 1, $"{counts["HandleRequest"]} requests, {counts["Query"]} queries");
    }

    [TestMethod]
    [TestCategory("Kernel")]
    [TestCategory("Cli")]
    public void A_process_name_nobody_has_is_not_found()
    {
        Requirements.Root();
        ProcessResult result = ProbesBinary.Run("phases", "-n", "no-such-process-r18", "--duration", "1");

        Assert.AreEqual(3, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stderr, "no running process named 'no-such-process-r18' maps libprobes.so (see 'probes ps')");
    }
}
