namespace Probes.Sdk.Tests;

[TestClass]
[DoNotParallelize]
public sealed class ProbeDisabledTests
{
    [TestInitialize]
    public void NoTracer() => CountingShim.SetTracerAttached(false);

    [TestMethod]
    public void Disabled_probes_never_call_the_shim()
    {
        ulong before = CountingShim.CallCount;
        for (int i = 0; i < 10_000; i++)
        {
            using (Probe.Phase("Disabled.Phase"))
            {
            }
            Probe.Mark("Disabled.Mark", i);
        }
        Assert.AreEqual(before, CountingShim.CallCount);
        Assert.IsFalse(Probe.IsEnabled);
        Assert.IsFalse(Probe.IsMarkEnabled);
    }

    [TestMethod]
    public void Disabled_probes_allocate_nothing()
    {
        Warm();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Warm();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.AreEqual(0, allocated, "a disabled phase or mark allocated");

        static void Warm()
        {
            for (int i = 0; i < 10_000; i++)
            {
                using PhaseScope scope = Probe.Phase("Disabled.Alloc");
                Probe.Mark("Disabled.Alloc.Mark", i);
            }
        }
    }

    [TestMethod]
    public void Disabled_phase_returns_an_empty_scope_and_leaves_the_flow_untouched()
    {
        PhaseScope scope = Probe.Phase("Disabled.Empty");
        Assert.IsFalse(scope.IsRecording);
        Assert.AreEqual(0ul, scope.SpanId);
        Assert.IsNull(SpanContext.Current, "a disabled phase wrote the AsyncLocal");
        scope.End(PhaseStatus.Faulted);
        scope.Dispose();
        Assert.AreEqual(default, scope);
    }
}
