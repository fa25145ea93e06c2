using Probes.Consumer.Export.Otlp;
using Probes.Consumer.Phases;

namespace Probes.Consumer.Tests.Export;

[TestClass]
public sealed class PhaseSpanJoinTests
{
    private static readonly SpanOrigin Origin = new(42, "c0ffee", "web-1", "orders");
    private const ulong TraceHigh = 0x0af7651916cd43ddUL, TraceLow = 0x8448eb211c80319cUL, ActivitySpan = 0xb7ad6b7169203331UL;

    private static PhaseSpanJoin NewJoin() => new(ns => ns + 1_000_000_000_000UL);

    [TestMethod]
    public void Phases_in_an_activity_join_its_trace_and_nested_ones_chain_under_the_first()
    {
        PhaseSpanJoin join = NewJoin();
        join.OnBegin(42, span: 1, parent: 0, timestampNs: 100);
        join.OnContext(42, 1, TraceHigh, TraceLow, ActivitySpan);
        join.OnBegin(42, span: 2, parent: 1, timestampNs: 150);
        join.OnContext(42, 2, TraceHigh, TraceLow, ActivitySpan);

        ExportedSpan inner = join.OnEnd(Origin, "Query", 7, 2, 1, PhaseStatus.Faulted, 43, endNs: 180, durationNs: 30);
        ExportedSpan outer = join.OnEnd(Origin, "HandleRequest", 8, 1, 0, PhaseStatus.Completed, 43, endNs: 300, durationNs: 200);

        Assert.AreEqual((TraceHigh, TraceLow), (outer.TraceIdHigh, outer.TraceIdLow));
        Assert.AreEqual((TraceHigh, TraceLow), (inner.TraceIdHigh, inner.TraceIdLow));
        Assert.AreEqual(ActivitySpan, outer.ParentSpanId, "the outermost phase is a child of the activity's span");
        Assert.AreEqual(outer.SpanId, inner.ParentSpanId, "a nested phase is a child of its enclosing phase");
        Assert.AreEqual(OtlpIds.PhaseSpanId(42, 1), outer.SpanId);
        Assert.AreEqual(1_000_000_000_100UL, outer.StartUnixNs, "the begin's kernel time, on the wall clock");
        Assert.AreEqual(1_000_000_000_300UL, outer.EndUnixNs);
        Assert.AreEqual(PhaseStatus.Faulted, inner.Status);
        Assert.AreEqual(0, join.OpenCount);
    }

    [TestMethod]
    public void Without_begins_the_contexts_kept_alone_still_join_the_sent_ends_to_the_activity()
    {
        // The agent: no begins are sent, only contexts and some ends (here the faulted inner one and the slow outer one).
        PhaseSpanJoin join = NewJoin();
        join.OnContext(42, 1, TraceHigh, TraceLow, ActivitySpan);
        join.OnContext(42, 2, TraceHigh, TraceLow, ActivitySpan);
        join.OnContext(42, 3, TraceHigh, TraceLow, ActivitySpan); // a fast phase whose end is never sent
        ExportedSpan inner = join.OnEnd(Origin, "Query", 7, 2, parentFromEnd: 1, PhaseStatus.Faulted, 43, endNs: 180, durationNs: 30);
        ExportedSpan outer = join.OnEnd(Origin, "HandleRequest", 8, 1, parentFromEnd: 0, PhaseStatus.Completed, 43, endNs: 300, durationNs: 200);

        Assert.AreEqual((TraceHigh, TraceLow), (inner.TraceIdHigh, inner.TraceIdLow));
        Assert.AreEqual((TraceHigh, TraceLow), (outer.TraceIdHigh, outer.TraceIdLow));
        Assert.AreEqual(ActivitySpan, outer.ParentSpanId);
        Assert.AreEqual(outer.SpanId, inner.ParentSpanId, "nested in the same activity: a child of the enclosing phase");
        Assert.AreEqual(1_000_000_000_150UL, inner.StartUnixNs, "timed by the kernel-measured duration");
        Assert.AreEqual(1, join.KeptContexts, "the sent ends took their contexts; the fast phase's waits to be forgotten");
        Assert.AreEqual(0, join.OpenCount);
    }

    [TestMethod]
    public void Contexts_kept_alone_are_bounded_the_oldest_forgotten_first()
    {
        var join = new PhaseSpanJoin(ns => ns, maxOpen: 3);
        for (ulong span = 1; span <= 10; span++)
        {
            join.OnContext(42, span, TraceHigh, TraceLow, ActivitySpan + span);
        }
        Assert.AreEqual(3, join.KeptContexts);
        ExportedSpan forgotten = join.OnEnd(Origin, "old", 1, 1, 0, PhaseStatus.Completed, 1, 100, 10);
        Assert.AreEqual(OtlpIds.OwnTraceId(42, 1), (forgotten.TraceIdHigh, forgotten.TraceIdLow), "its context was forgotten: a trace of its own");
        ExportedSpan recent = join.OnEnd(Origin, "new", 1, 10, 0, PhaseStatus.Completed, 1, 100, 10);
        Assert.AreEqual(ActivitySpan + 10, recent.ParentSpanId);
        join.OnBegin(43, 1, 0, 100);
        join.OnContext(43, 5, TraceHigh, TraceLow, ActivitySpan);
        join.ForgetAllBut(new HashSet<int> { 43 });
        Assert.AreEqual(1, join.KeptContexts, "only the live process's context stays");
        Assert.AreEqual(1, join.OpenCount);
        join.ForgetProcess(43);
        Assert.AreEqual((0, 0), (join.KeptContexts, join.OpenCount));
    }

    [TestMethod]
    public void Phases_without_an_activity_get_a_trace_of_their_own_rooted_at_the_outermost_phase()
    {
        PhaseSpanJoin join = NewJoin();
        join.OnBegin(42, 10, 0, 100);
        join.OnBegin(42, 11, 10, 110);
        join.OnBegin(42, 12, 11, 120);
        ExportedSpan deepest = join.OnEnd(Origin, "c", 3, 12, 11, PhaseStatus.Completed, 1, 130, 10);
        ExportedSpan middle = join.OnEnd(Origin, "b", 2, 11, 10, PhaseStatus.Canceled, 1, 140, 30);
        ExportedSpan root = join.OnEnd(Origin, "a", 1, 10, 0, PhaseStatus.Completed, 1, 150, 50);

        (ulong high, ulong low) = OtlpIds.OwnTraceId(42, 10);
        Assert.IsTrue(new[] { deepest, middle, root }.All(s => s.TraceIdHigh == high && s.TraceIdLow == low), "one trace, rooted at the outermost phase");
        Assert.AreEqual(0UL, root.ParentSpanId);
        Assert.AreEqual(root.SpanId, middle.ParentSpanId);
        Assert.AreEqual(middle.SpanId, deepest.ParentSpanId);
        Assert.AreNotEqual(OtlpIds.OwnTraceId(43, 10), (high, low), "another process's phase 10 is another trace");
    }

    [TestMethod]
    public void An_activity_started_inside_a_phase_parents_the_phases_inside_it()
    {
        PhaseSpanJoin join = NewJoin();
        join.OnBegin(42, 1, 0, 100);                         // no activity yet
        join.OnBegin(42, 2, 1, 110);
        join.OnContext(42, 2, TraceHigh, TraceLow, ActivitySpan);
        ExportedSpan inner = join.OnEnd(Origin, "inner", 2, 2, 1, PhaseStatus.Completed, 1, 120, 10);
        Assert.AreEqual(ActivitySpan, inner.ParentSpanId);
        Assert.AreEqual(TraceHigh, inner.TraceIdHigh);
    }

    [TestMethod]
    public void An_end_whose_begin_was_not_seen_is_timed_by_the_kernel_measured_duration()
    {
        ExportedSpan span = NewJoin().OnEnd(Origin, "late", 1, 9, 5, PhaseStatus.Completed, 1, endNs: 1_000, durationNs: 400);
        Assert.AreEqual(1_000_000_000_600UL, span.StartUnixNs);
        Assert.AreEqual(OtlpIds.PhaseSpanId(42, 5), span.ParentSpanId);
    }

    [TestMethod]
    public void Open_phases_are_bounded_and_the_refused_counted()
    {
        var join = new PhaseSpanJoin(ns => ns, maxOpen: 2);
        for (ulong span = 1; span <= 5; span++)
        {
            join.OnBegin(7, span, 0, span);
        }
        Assert.AreEqual(2, join.OpenCount);
        Assert.AreEqual(3, join.Refused);
    }

    [TestMethod]
    public void Span_ids_are_deterministic_per_process_and_span_and_never_zero()
    {
        Assert.AreEqual(OtlpIds.PhaseSpanId(1, 2), OtlpIds.PhaseSpanId(1, 2));
        Assert.AreNotEqual(OtlpIds.PhaseSpanId(1, 2), OtlpIds.PhaseSpanId(2, 2));
        Assert.AreNotEqual(OtlpIds.PhaseSpanId(1, 2), OtlpIds.PhaseSpanId(1, 3));
        var ids = Enumerable.Range(0, 100_000).Select(i => OtlpIds.PhaseSpanId(1000, (ulong)i)).ToHashSet();
        Assert.AreEqual(100_000, ids.Count);
        Assert.IsFalse(ids.Contains(0UL));
    }
}
