using System.Text.Json;
using Probes.Consumer.Cli;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>`probes list` shows the phases a woven .NET assembly declares, from the file or from a running process.</summary>
[TestClass]
[TestCategory("Cli")]
public sealed class ListPhasesTests
{
    private static readonly string[] SamplePhases = ["Startup", "LoadConfig", "WarmCaches", "WarmCaches.Fetch", "ConnectDatabase", "HandleRequest", "Query", "Load.Tick"];

    [TestMethod]
    public void A_woven_assembly_file_lists_its_declared_phases_with_ids_and_source_lines()
    {
        ProcessResult result = ProbesBinary.Run("list", "--json", SampleService.Dll).EnsureSuccess("probes list --json Probes.Sample.dll");
        using JsonDocument json = JsonDocument.Parse(result.Stdout);
        var phases = json.RootElement.EnumerateArray().ToList();
        CollectionAssert.AreEquivalent(SamplePhases, phases.Select(p => p.GetProperty("name").GetString()).ToList());
        JsonElement handle = phases.Single(p => p.GetProperty("name").GetString() == "HandleRequest");
        Assert.AreEqual(0x885eaf4cu, handle.GetProperty("id").GetUInt32(), "FNV-1a 32 of the UTF-8 name");
        Assert.AreEqual("async", handle.GetProperty("kind").GetString());
        StringAssert.EndsWith(handle.GetProperty("file").GetString(), "SampleService.cs");
        Assert.IsTrue(handle.GetProperty("line").GetInt32() > 0);
        Assert.AreEqual("sync", phases.Single(p => p.GetProperty("name").GetString() == "LoadConfig").GetProperty("kind").GetString());
    }

    [TestMethod]
    public void Text_listing_has_one_line_per_phase()
    {
        ProcessResult result = ProbesBinary.Run("list", SampleService.Dll).EnsureSuccess("probes list Probes.Sample.dll");
        string[] lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(SamplePhases.Length, lines.Length, result.Stdout);
        Assert.IsTrue(lines.Any(l => l.StartsWith("Probes.Sample  phase Query  id=0x9e89e783  async", StringComparison.Ordinal)), result.Stdout);
    }

    [TestMethod]
    [TestCategory("Kernel")]
    public void A_running_process_lists_the_phases_of_the_assemblies_it_loaded()
    {
        Requirements.Root();
        using LiveProcess sample = SampleService.Start("--requests", "100000", "--interval-ms", "20");
        sample.WaitForStdout("ready", TimeSpan.FromSeconds(60));
        ProcessResult result = ProbesBinary.Run("list", "--pid", $"{sample.Pid}", "--phases", "--json").EnsureSuccess("probes list --pid --phases");
        using JsonDocument json = JsonDocument.Parse(result.Stdout);
        CollectionAssert.IsSubsetOf(SamplePhases, json.RootElement.EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList());
    }

    [TestMethod]
    public void A_file_that_is_not_a_woven_assembly_is_one_error_line()
    {
        ProcessResult result = ProbesBinary.Run("list", "--phases", "/bin/true");
        Assert.AreEqual((int)ExitCode.NotFound, result.ExitCode);
        Assert.AreEqual("probes: error: /bin/true: not a .NET assembly woven by Probes (no Probes.Manifest.json in it)", result.Stderr.Trim());
    }
}
