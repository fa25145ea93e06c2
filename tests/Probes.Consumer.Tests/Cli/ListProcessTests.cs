using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary><c>probes list --pid</c> on running fixture processes, through the real binary.</summary>
[TestClass]
[TestCategory("Cli")]
public sealed class ListProcessTests
{
    [TestMethod]
    public void FindsTheProbesOfTheExecutableReachedThroughProcRoot()
    {
        string fixture = Fixtures.Build(FixtureKind.Pie, "-O2");
        using LiveProcess process = Fixtures.StartWaiting(fixture);

        List<JsonProbe> listed = ProbesBinary.ListJson("--pid", $"{process.Pid}");
        List<JsonProbe> fromProcess = listed.Where(p => p.File == fixture).ToList();

        AssertSameProbes(ProbesBinary.ListJson(fixture), fromProcess);
        Assert.IsTrue(fromProcess.All(p => p.Pid == process.Pid && p.HostPath == $"/proc/{process.Pid}/root{fixture}"));
        Assert.IsTrue(listed.All(p => p.Container is null), "a plain process is in no container");
    }

    [TestMethod]
    public void FindsTheProbesOfALoadedSharedLibrary()
    {
        string shim = Path.GetFullPath(TestPaths.LibProbes);
        string fixture = Fixtures.Build(FixtureKind.NonPie, "-O0");
        using LiveProcess process = Fixtures.StartWaiting(fixture, new Dictionary<string, string> { ["LD_PRELOAD"] = shim });

        List<JsonProbe> listed = ProbesBinary.ListJson("--pid", $"{process.Pid}");

        AssertSameProbes(ProbesBinary.ListJson(shim), listed.Where(p => p.File == shim).ToList());
        AssertSameProbes(ProbesBinary.ListJson(fixture), listed.Where(p => p.File == fixture).ToList());
    }

    [TestMethod]
    public void TextLinesCarryThePid()
    {
        string fixture = Fixtures.Build(FixtureKind.Pie, "-O0");
        using LiveProcess process = Fixtures.StartWaiting(fixture);

        ProcessResult result = ProbesBinary.Run("list", "--pid", $"{process.Pid}").EnsureSuccess("probes list --pid");
        string[] lines = result.Stdout.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n').Where(l => l.StartsWith(fixture + " ", StringComparison.Ordinal)).ToArray();
        Assert.HasCount(8, lines);
        Assert.IsTrue(lines.All(l => l.EndsWith($" pid={process.Pid}", StringComparison.Ordinal)), string.Join("\n", lines));
    }

    [TestMethod]
    public void DeletedExecutableIsSkippedAndSaidSoInVerboseMode()
    {
        string copy = Path.Combine(TestPaths.ScratchDirectory, $"deleted-{Guid.NewGuid():N}");
        File.Copy(Fixtures.Build(FixtureKind.Pie, "-O2"), copy);
        using LiveProcess process = Fixtures.StartWaiting(copy);
        File.Delete(copy);

        ProcessResult result = ProbesBinary.Run("list", "--pid", $"{process.Pid}", "--verbose").EnsureSuccess("probes list --pid --verbose");

        Assert.DoesNotContain(copy, result.Stdout);
        StringAssert.Contains(result.Stderr, $"probes: pid {process.Pid}: skipping {copy} (deleted): the file was deleted after it was mapped");
    }

    private static void AssertSameProbes(List<JsonProbe> expected, List<JsonProbe> actual)
    {
        Assert.IsNotEmpty(expected);
        CollectionAssert.AreEqual(
            expected.Select(p => (p.Provider, p.Name, p.Pc, p.Base, p.Semaphore, p.Args, p.PcOffset, p.SemaphoreOffset)).ToList(),
            actual.Select(p => (p.Provider, p.Name, p.Pc, p.Base, p.Semaphore, p.Args, p.PcOffset, p.SemaphoreOffset)).ToList());
    }
}
