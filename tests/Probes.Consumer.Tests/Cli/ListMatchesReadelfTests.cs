using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// The proof that our reader sees what binutils sees: for third-party binaries and our own
/// shim, <c>probes list --json</c> (the real binary) yields exactly the probes of
/// <c>readelf -n</c>, field by field.
/// </summary>
[TestClass]
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
