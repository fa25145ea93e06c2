using System.Reflection;
using System.Runtime.Loader;

namespace Probes.Sdk.Tests;

/// <summary>
/// The SDK runs its enabled path once, without firing a probe, before the first traced phase:
/// when the shim loads while a tracer is already attached (a container started after
/// `probes phases --image`), else at the first traced begin. Its first run costs JIT, type and
/// assembly loads that must land in no phase (issue 12, part 6).
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class EnabledPathPreparationTests
{
    [TestCleanup]
    public void DetachTracer()
    {
        CountingShim.SetTracerAttached(false);
        Assert.IsNull(SpanContext.Current, "a test left a phase current");
    }

    [TestMethod]
    public void Preparing_fires_no_probe_and_leaves_the_flows_phase_current()
    {
        CountingShim.SetTracerAttached(true);
        ulong before = CountingShim.CallCount;
        Probe.CompileEnabledPath();
        Assert.AreEqual(before, CountingShim.CallCount, "no probe fired outside a phase");
        Assert.IsNull(SpanContext.Current);

        using (PhaseScope outer = Probe.Phase("Prepared.Outer"))
        {
            ulong inside = CountingShim.CallCount;
            Probe.CompileEnabledPath();
            Assert.AreEqual(inside, CountingShim.CallCount, "no probe fired inside a phase");
            Assert.AreEqual(outer.SpanId, SpanContext.Current?.SpanId, "the flow's phase is still current");
            using (PhaseScope inner = Probe.Phase("Prepared.Inner"))
            {
                Assert.AreEqual((long)outer.SpanId, CountingShim.LastCall.Extra, "a phase begun after preparing still has its parent");
            }
        }
    }

    [TestMethod]
    public void The_shim_prepares_the_enabled_path_when_it_loads_under_an_attached_tracer()
    {
        CountingShim.SetTracerAttached(true);
        Assert.IsTrue(PreparedRightAfterLoading(), "a tracer was attached when the shim loaded, but nothing was prepared");
    }

    [TestMethod]
    public void Without_a_tracer_loading_the_shim_prepares_nothing()
    {
        CountingShim.SetTracerAttached(false);
        Assert.IsFalse(PreparedRightAfterLoading(), "an untraced process paid for the enabled path");
    }

    /// <summary>
    /// Loads a fresh copy of the SDK (the shim binding runs once per copy; the counting shim
    /// and its semaphores are the process's one copy), has it load the shim, and reports
    /// whether that copy's enabled path was prepared by then.
    /// </summary>
    private static bool PreparedRightAfterLoading()
    {
        var context = new AssemblyLoadContext($"probes-sdk-{Guid.NewGuid():N}", isCollectible: true);
        try
        {
            Assembly sdk = context.LoadFromAssemblyPath(typeof(Probe).Assembly.Location);
            Type probe = sdk.GetType(typeof(Probe).FullName!, throwOnError: true)!;
            object? loaded = probe.GetProperty(nameof(Probe.NativeLibraryPath))!.GetValue(null);
            Assert.AreEqual(NativeShim.LoadedPath, loaded, "the fresh copy did not load the counting shim");
            return (bool)probe.GetProperty(nameof(Probe.IsEnabledPathPrepared), BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        }
        finally
        {
            context.Unload();
        }
    }
}
