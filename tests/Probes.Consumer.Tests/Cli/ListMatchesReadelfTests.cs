using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// The proof that our reader sees what binutils sees: for third-party binaries and our own
/// shim, <c>probes list --json</c> (the real binary) yields exactly the probes of
/// <c>readelf -n</c>, field by field.
/// </summary>
[TestClass]
[TestCategory("Cli")]
public sealed class ListMatchesReadelfTests
{
    public static IEnumerable<object[]> SystemFiles =>
    [
        ["/usr/bin/python3.11"],
        ["/usr/lib/x86_64-linux-gnu/libstdc++.so.6"],
    ];

    [TestMethod]
    [DynamicData(nameof(SystemFiles))]
    public void SystemBinaryMatchesReadelf(string path)
    {
        if (!File.Exists(path))
        {
            Assert.Inconclusive($"{path} is not installed here (apt-get install python3.11 libstdc++6)");
        }
        AssertSameProbes(path);
    }

    [TestMethod]
    public void OurShimMatchesReadelf()
    {
        List<JsonProbe> probes = AssertSameProbes(TestPaths.LibProbes);
        // Probe ABI v1: every probe of the shim has a semaphore, and each semaphore is a distinct place.
        Assert.IsTrue(probes.All(p => p.Semaphore != 0 && p.SemaphoreOffset != 0), "every libprobes probe must have a semaphore");
        Assert.AreEqual(probes.Count, probes.Select(p => p.SemaphoreOffset).Distinct().Count());
    }

    public static IEnumerable<object[]> FixtureVariants =>
        from kind in new[] { FixtureKind.Pie, FixtureKind.NonPie, FixtureKind.SharedLibrary }
        from level in Fixtures.OptimisationLevels
        select new object[] { kind, level };

    [TestMethod]
    [DynamicData(nameof(FixtureVariants))]
    public void FixtureMatchesReadelf(FixtureKind kind, string optimisation)
    {
        List<JsonProbe> probes = AssertSameProbes(Fixtures.Build(kind, optimisation));
        Assert.AreEqual(8, probes.Count, "the fixture sources define eight probe sites");
    }

    public static IEnumerable<object[]> OperandVariants => OperandFixture.Variants;

    /// <summary>Every operand form (issue 12: a fixed-address build's table(,%rdi,4) used to fail the whole listing).</summary>
    [TestMethod]
    [DynamicData(nameof(OperandVariants))]
    public void OperandFixtureMatchesReadelfAndDecodesEveryArgument(FixtureKind kind, string optimisation)
    {
        string path = OperandFixture.Build(kind, optimisation).ProbeFile;
        AssertSameProbes(path);
        ProcessResult verbose = ProbesBinary.Run("list", "--json", "--verbose", path).EnsureSuccess("probes list --json --verbose");
        Assert.DoesNotContain("\"error\"", verbose.Stdout, "every argument of every probe decodes");
        Assert.DoesNotContain("argument_errors", verbose.Stdout);
    }

    [TestMethod]
    public void A_stripped_file_lists_every_probe_and_each_argument_it_cannot_decode()
    {
        string path = OperandFixture.BuildStripped(FixtureKind.Pie, "-O2").ProbeFile;
        List<JsonProbe> probes = AssertSameProbes(path);
        Assert.HasCount(OperandFixture.ProbeNames.Length, probes);

        ProcessResult text = ProbesBinary.Run("list", path);
        Assert.AreEqual(0, text.ExitCode, text.Stderr);
        Assert.AreEqual("probes: 4 probe(s) have arguments probes cannot decode, so they cannot be traced; --verbose says why", text.Stderr.Trim());
        ProcessResult verbose = ProbesBinary.Run("list", "--verbose", path);
        StringAssert.Contains(verbose.Stdout, "    arg0 -8@counter(%rip): cannot be decoded: symbol 'counter' is not defined in the file (searched .dynsym)\n");
    }

    private static List<JsonProbe> AssertSameProbes(string path)
    {
        List<ReadelfProbe> expected = ReadelfNotes.Read(path);
        List<JsonProbe> actual = ProbesBinary.ListJson(path);
        Assert.IsNotEmpty(expected, $"readelf found no stapsdt notes in {path}; the comparison would prove nothing");

        var expectedRows = expected.Select(p => (p.Provider, p.Name, p.Location, p.Base, p.Semaphore, p.Arguments)).ToList();
        var actualRows = actual.Select(p => (p.Provider, p.Name, p.Pc, p.Base, p.Semaphore, p.Args)).ToList();
        CollectionAssert.AreEqual(expectedRows, actualRows, $"probes list differs from readelf -n for {path}:\nreadelf: {string.Join("; ", expectedRows)}\nprobes:  {string.Join("; ", actualRows)}");
        Assert.IsTrue(actual.All(p => p.File == path));
        return actual;
    }
}
