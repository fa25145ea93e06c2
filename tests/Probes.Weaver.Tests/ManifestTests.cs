using Probes.Consumer.Manifest;

namespace Probes.Weaver.Tests;

/// <summary>The woven file lists its phases in an embedded manifest readable without loading it.</summary>
[TestClass]
[DoNotParallelize]
public sealed class ManifestTests
{
    private static PhaseManifest s_sync = null!;
    private static PhaseManifest s_async = null!;

    [ClassInitialize]
    public static void Weave(TestContext context)
    {
        s_sync = ReadWoven("Sync");
        s_async = ReadWoven("Async");
    }

    private static PhaseManifest ReadWoven(string scenario)
    {
        WovenScenario.Weave(scenario);
        string original = RepoPaths.BuildOutput($"tests/Probes.Weaver.Scenarios/{scenario}", "net10.0", $"Scenarios.{scenario}.dll");
        string woven = Path.Combine(Path.GetDirectoryName(original)!, "fodytemp", Path.GetFileName(original));
        Assert.IsNull(PhaseManifestReader.Read(original), "the unwoven build output already has a manifest");
        return PhaseManifestReader.Read(woven) ?? throw new AssertFailedException($"{woven} has no {PhaseManifestReader.ResourceName}");
    }

    [TestMethod]
    public void Every_woven_method_is_listed_with_its_name_id_kind_and_method()
    {
        Assert.AreEqual("Scenarios.Sync", s_sync.Assembly);
        PhaseEntry add = s_sync.Phases.Single(p => p.Name == "SyncPhases.Add");
        Assert.AreEqual(PhaseId.Of("SyncPhases.Add"), add.Id);
        Assert.AreEqual("sync", add.Kind);
        Assert.AreEqual("Scenarios.Sync.SyncPhases::Add(Int32,Int32)", add.Method);
        foreach (PhaseEntry phase in s_sync.Phases.Concat(s_async.Phases))
        {
            Assert.AreEqual(PhaseId.Of(phase.Name), phase.Id, $"id of {phase.Name}");
        }
        CollectionAssert.IsSubsetOf(new[] { "Explicit.Name", "Built.ctor", "Built.Default", "Point.ctor", "Box.Get", "Service.Start", "Service.Stop", "Api.Get" },
            s_sync.Phases.Select(p => p.Name).ToList());
        Assert.IsFalse(s_sync.Phases.Any(p => p.Name is "SyncPhases.AddPlain" or "Service.NotPublic" or "Service.get_Calls"));
    }

    [TestMethod]
    public void Source_file_and_line_come_from_the_symbols_also_for_async_methods()
    {
        PhaseEntry add = s_sync.Phases.Single(p => p.Name == "SyncPhases.Add");
        StringAssert.EndsWith(add.File, "SyncPhases.cs");
        string[] lines = File.ReadAllLines(add.File!);
        StringAssert.Contains(lines[add.Line!.Value - 1], "a + b");

        PhaseEntry delay = s_async.Phases.Single(p => p.Name == "AsyncPhases.Delay");
        Assert.AreEqual("async", delay.Kind);
        StringAssert.EndsWith(delay.File, "AsyncPhases.cs");
        Assert.IsGreaterThan(0, delay.Line!.Value);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("a")]
    [DataRow("foobar")]
    [DataRow("WarmCaches.Fetch")]
    [DataRow("Ünïcödé phase ✓")]
    public void The_weaver_computes_the_same_id_as_the_SDK(string name) =>
        Assert.AreEqual(PhaseId.Of(name), Fnv1a.Hash(name));
}
