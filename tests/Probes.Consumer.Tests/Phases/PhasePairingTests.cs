using Probes.Consumer.Phases;

namespace Probes.Consumer.Tests.Phases;

[TestClass]
public sealed class PhasePairingTests
{
    internal static PhaseEvent Begin(ulong t, int pid, ulong span, ulong parent, string name = "P", int tid = 0, string container = "") =>
        new(PhaseEventKind.Begin, t, pid, tid == 0 ? pid : tid, container, 7, name, span, parent);

    internal static PhaseEvent End(ulong t, int pid, ulong span, PhaseStatus status = PhaseStatus.Completed, string name = "P", int tid = 0, string container = "") =>
        new(PhaseEventKind.End, t, pid, tid == 0 ? pid : tid, container, 7, name, span, (ulong)status);

    [TestMethod]
    public void Pairs_by_process_and_span_even_across_threads()
    {
        var pairing = new PhasePairing();
        Assert.IsNull(pairing.Add(Begin(100, pid: 1, span: 5, parent: 0, tid: 11)));
        Assert.IsNull(pairing.Add(Begin(110, pid: 2, span: 5, parent: 0)));
        CompletedPhase? done = pairing.Add(End(250, pid: 1, span: 5, PhaseStatus.Faulted, tid: 12));

        Assert.IsNotNull(done);
        Assert.AreEqual(1, done.Pid);
        Assert.AreEqual(11, done.BeginTid);
        Assert.AreEqual(150ul, done.DurationNs);
        Assert.AreEqual(PhaseStatus.Faulted, done.Status);
        Assert.AreEqual(1, pairing.OpenCount, "the other process's span 5 must stay open");
    }

    [TestMethod]
    public void Keeps_the_parent_of_a_nested_phase()
    {
        var pairing = new PhasePairing();
        pairing.Add(Begin(1, 1, span: 1, parent: 0, name: "Outer"));
        pairing.Add(Begin(2, 1, span: 2, parent: 1, name: "Inner"));
        CompletedPhase inner = pairing.Add(End(3, 1, span: 2, name: "Inner"))!;
        CompletedPhase outer = pairing.Add(End(4, 1, span: 1, name: "Outer"))!;
        Assert.AreEqual(1ul, inner.ParentSpanId);
        Assert.AreEqual(0ul, outer.ParentSpanId);
    }

    [TestMethod]
    public void An_end_without_begin_is_counted_not_paired()
    {
        var pairing = new PhasePairing();
        Assert.IsNull(pairing.Add(End(10, 1, span: 9)));
        Assert.AreEqual(1, pairing.EndsWithoutBegin);
    }

    [TestMethod]
    public void Begins_without_end_are_reported_unfinished_in_start_order()
    {
        var pairing = new PhasePairing();
        pairing.Add(Begin(20, 1, span: 2, parent: 1, name: "B"));
        pairing.Add(Begin(10, 1, span: 1, parent: 0, name: "A"));
        CollectionAssert.AreEqual(new[] { "A", "B" }, pairing.Unfinished().Select(u => u.Name).ToList());
    }

    [TestMethod]
    public void A_gone_process_releases_its_open_phases()
    {
        var pairing = new PhasePairing();
        pairing.Add(Begin(1, 1, span: 1, parent: 0));
        pairing.Add(Begin(1, 2, span: 1, parent: 0));
        Assert.AreEqual(1, pairing.RemoveProcess(1).Count);
        Assert.AreEqual(1, pairing.OpenCount);
        Assert.AreEqual(0, pairing.RemoveProcess(1).Count);
    }

    [TestMethod]
    public void Open_phases_per_process_are_bounded_and_the_overflow_is_counted()
    {
        var pairing = new PhasePairing(maxOpenPerProcess: 3);
        for (ulong span = 1; span <= 5; span++)
        {
            pairing.Add(Begin(span, 1, span, parent: 0));
        }
        Assert.AreEqual(3, pairing.OpenCount);
        Assert.AreEqual(2, pairing.DroppedBegins);
        Assert.IsNull(pairing.Add(End(9, 1, span: 5)), "the dropped begin cannot be paired");
        Assert.AreEqual(1, pairing.EndsWithoutBegin);
    }
}
