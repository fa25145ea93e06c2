namespace Probes.Sdk.Tests;

[TestClass]
[DoNotParallelize]
public sealed class ProbeEnabledTests
{
    [TestInitialize]
    public void AttachTracer() => CountingShim.SetTracerAttached(true);

    [TestCleanup]
    public void DetachTracer()
    {
        CountingShim.SetTracerAttached(false);
        Assert.IsNull(SpanContext.Current, "a test left a phase current");
    }

    [TestMethod]
    public void Phase_fires_begin_then_end_with_the_same_ids()
    {
        ulong before = CountingShim.CallCount;
        ShimCall begin;
        PhaseScope scope = Probe.Phase("Enabled.Basic");
        begin = CountingShim.LastCall;
        scope.Dispose();
        ShimCall end = CountingShim.LastCall;

        Assert.AreEqual(before + 2, CountingShim.CallCount);
        Assert.AreEqual(CountingShim.BeginKind, begin.Kind);
        Assert.AreEqual(PhaseId.Of("Enabled.Basic"), begin.Id);
        Assert.AreEqual("Enabled.Basic", begin.NameText);
        Assert.AreEqual(scope.SpanId, begin.SpanId);
        Assert.AreNotEqual(0ul, begin.SpanId);
        Assert.AreEqual(0L, begin.Extra, "a root phase has parent 0");

        Assert.AreEqual(CountingShim.EndKind, end.Kind);
        Assert.AreEqual(begin.Id, end.Id);
        Assert.AreEqual(begin.Name, end.Name, "the same interned UTF-8 name is passed to both probes");
        Assert.AreEqual(begin.SpanId, end.SpanId);
        Assert.AreEqual((long)PhaseStatus.Completed, end.Extra);
    }

    [TestMethod]
    public void End_with_a_status_wins_over_a_later_dispose_and_fires_once()
    {
        PhaseScope scope = Probe.Phase("Enabled.Faulted");
        ulong afterBegin = CountingShim.CallCount;
        PhaseScope copy = scope;
        copy.End(PhaseStatus.Faulted);
        scope.Dispose();
        scope.Dispose();
        Assert.AreEqual(afterBegin + 1, CountingShim.CallCount);
        Assert.AreEqual((long)PhaseStatus.Faulted, CountingShim.LastCall.Extra);
    }

    [TestMethod]
    public void End_fires_even_when_the_tracer_left_after_the_begin()
    {
        PhaseScope scope = Probe.Phase("Enabled.Detached");
        CountingShim.SetTracerAttached(false);
        ulong afterBegin = CountingShim.CallCount;
        scope.Dispose();
        Assert.AreEqual(afterBegin + 1, CountingShim.CallCount);
        Assert.AreEqual(CountingShim.EndKind, CountingShim.LastCall.Kind);
        Assert.AreEqual(scope.SpanId, CountingShim.LastCall.SpanId);
    }

    [TestMethod]
    public void No_end_fires_for_a_phase_whose_begin_did_not()
    {
        CountingShim.SetTracerAttached(false);
        PhaseScope scope = Probe.Phase("Enabled.LateAttach");
        CountingShim.SetTracerAttached(true);
        ulong before = CountingShim.CallCount;
        scope.Dispose();
        Assert.AreEqual(before, CountingShim.CallCount);
    }

    [TestMethod]
    public void Nested_phase_has_the_enclosing_phase_as_parent_and_restores_it()
    {
        using PhaseScope outer = Probe.Phase("Enabled.Outer");
        using (PhaseScope inner = Probe.Phase("Enabled.Inner"))
        {
            Assert.AreEqual((long)outer.SpanId, CountingShim.LastCall.Extra);
            Assert.AreNotEqual(outer.SpanId, inner.SpanId);
        }
        using (Probe.Phase("Enabled.Sibling"))
        {
            Assert.AreEqual((long)outer.SpanId, CountingShim.LastCall.Extra, "the inner phase did not restore its parent");
        }
    }

    [TestMethod]
    public async Task Parent_follows_the_logical_flow_across_await_and_thread_hops()
    {
        ulong outerSpan;
        long[] parents = new long[4];
        using (PhaseScope outer = Probe.Phase("Enabled.AsyncOuter"))
        {
            outerSpan = outer.SpanId;
            await Task.WhenAll(Enumerable.Range(0, parents.Length).Select(i => Task.Run(async () =>
            {
                await Task.Yield();
                // The counting shim keeps only the last call, so read the parent the flow sees.
                using PhaseScope child = Probe.Phase("Enabled.AsyncChild");
                parents[i] = (long)(SpanContext.Current!.Parent?.SpanId ?? 0);
                await Task.Delay(1);
            })));
        }
        CollectionAssert.AreEqual(Enumerable.Repeat((long)outerSpan, parents.Length).ToArray(), parents);
    }

    [TestMethod]
    public void Span_ids_are_unique_across_threads()
    {
        var ids = new System.Collections.Concurrent.ConcurrentBag<ulong>();
        Parallel.For(0, 4_000, _ =>
        {
            using PhaseScope scope = Probe.Phase("Enabled.Unique");
            ids.Add(scope.SpanId);
        });
        Assert.AreEqual(4_000, ids.Distinct().Count());
        Assert.IsFalse(ids.Contains(0ul));
    }

    [TestMethod]
    public void Mark_passes_id_name_and_value()
    {
        Probe.Mark("Enabled.Mark", -42);
        ShimCall call = CountingShim.LastCall;
        Assert.AreEqual(CountingShim.MarkKind, call.Kind);
        Assert.AreEqual(PhaseId.Of("Enabled.Mark"), call.Id);
        Assert.AreEqual("Enabled.Mark", call.NameText);
        Assert.AreEqual(-42L, call.Extra);
    }

    [TestMethod]
    public void A_name_is_encoded_once_and_kept()
    {
        using (Probe.Phase("Enabled.Interned"))
        {
        }
        IntPtr first = CountingShim.LastCall.Name;
        using (Probe.Phase(new string("Enabled.Interned".AsSpan())))
        {
        }
        Assert.AreEqual(first, CountingShim.LastCall.Name);
        Assert.AreSame(ProbeName.Get("Enabled.Interned"), ProbeName.Get("Enabled.Interned"));
    }
}
