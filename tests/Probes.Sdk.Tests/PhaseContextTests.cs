using System.Diagnostics;

namespace Probes.Sdk.Tests;

/// <summary>
/// ABI v2: <c>probes:phase_context</c> fires right after <c>phase_begin</c>, only while its own
/// semaphore is raised and the flow runs inside a W3C activity.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class PhaseContextTests
{
    [TestInitialize]
    public void AttachTracer() => CountingShim.SetTracerAttached(true);

    [TestCleanup]
    public void DetachTracer()
    {
        CountingShim.SetContextAttached(false);
        CountingShim.SetTracerAttached(false);
        Activity.Current = null;
    }

    [TestMethod]
    public void Context_follows_the_begin_with_the_activity_trace_and_span()
    {
        CountingShim.SetContextAttached(true);
        using var activity = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
        ulong before = CountingShim.CallCount;
        using PhaseScope scope = Probe.Phase("Context.W3C");
        ShimCall context = CountingShim.LastCall;

        Assert.AreEqual(before + 2, CountingShim.CallCount, "begin and context");
        Assert.AreEqual(CountingShim.ContextKind, context.Kind);
        Assert.AreEqual(scope.SpanId, context.SpanId);
        string traceHex = activity.TraceId.ToHexString();
        Assert.AreEqual(Convert.ToUInt64(traceHex[..16], 16), context.TraceIdHi);
        Assert.AreEqual(Convert.ToUInt64(traceHex[16..], 16), context.TraceIdLo);
        Assert.AreEqual(Convert.ToUInt64(activity.SpanId.ToHexString(), 16), (ulong)context.Extra);
    }

    [TestMethod]
    public void No_context_while_its_semaphore_is_down()
    {
        using var activity = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
        ulong before = CountingShim.CallCount;
        using (Probe.Phase("Context.Down"))
        {
            Assert.AreEqual(before + 1, CountingShim.CallCount);
            Assert.AreEqual(CountingShim.BeginKind, CountingShim.LastCall.Kind);
        }
    }

    [TestMethod]
    public void No_context_without_an_activity_or_with_a_hierarchical_one()
    {
        CountingShim.SetContextAttached(true);
        Activity.Current = null;
        ulong before = CountingShim.CallCount;
        using (Probe.Phase("Context.None"))
        {
            Assert.AreEqual(before + 1, CountingShim.CallCount);
        }

        using var hierarchical = new Activity("legacy").SetIdFormat(ActivityIdFormat.Hierarchical).Start();
        before = CountingShim.CallCount;
        using (Probe.Phase("Context.Hierarchical"))
        {
            Assert.AreEqual(before + 1, CountingShim.CallCount);
            Assert.AreEqual(CountingShim.BeginKind, CountingShim.LastCall.Kind);
        }
    }

    [TestMethod]
    public void Context_alone_never_fires_a_phase()
    {
        CountingShim.SetTracerAttached(false);
        CountingShim.SetContextAttached(true);
        using var activity = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
        ulong before = CountingShim.CallCount;
        using (Probe.Phase("Context.NoBegin"))
        {
        }
        Assert.AreEqual(before, CountingShim.CallCount);
    }

    [TestMethod]
    public void A_raised_context_semaphore_with_no_activity_allocates_nothing_more()
    {
        Activity.Current = null;
        long WithContext(bool raised)
        {
            CountingShim.SetContextAttached(raised);
            for (int i = 0; i < 1000; i++)
            {
                using (Probe.Phase("Context.Alloc"))
                {
                }
            }
            long start = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                using (Probe.Phase("Context.Alloc"))
                {
                }
            }
            return GC.GetAllocatedBytesForCurrentThread() - start;
        }
        long without = WithContext(false);
        long with = WithContext(true);
        Assert.AreEqual(without, with, "the context check allocated");
    }
}
