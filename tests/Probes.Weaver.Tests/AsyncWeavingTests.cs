namespace Probes.Weaver.Tests;

[TestClass]
[DoNotParallelize]
public sealed class AsyncWeavingTests
{
    private const string Phases = "Scenarios.Async.AsyncPhases";
    private static WovenScenario s_woven = null!;

    [ClassInitialize]
    public static void Weave(TestContext context)
    {
        s_woven = WovenScenario.Weave("Async");
        Assert.IsEmpty(s_woven.Result.Errors, string.Join("\n", s_woven.Result.Errors.Select(e => e.Text)));
    }

    [TestCleanup]
    public void NothingLeftCurrent() => Assert.IsNull(SpanContext.Current, "a woven method left its phase current");

    [TestMethod]
    public async Task The_phase_spans_the_whole_operation_and_completes()
    {
        Func<Task> delay = s_woven.Method<Func<Task>>(Phases, "Delay");
        bool endedBeforeCompletion = true;
        List<ProbeCall> calls = await ShimRecorder.TraceAsync(async () =>
        {
            ulong before = ShimRecorder.CallCount;
            Task running = delay();
            // Only the begin has fired while the operation is still running.
            endedBeforeCompletion = !running.IsCompleted && ShimRecorder.CallCount != before + 1;
            await running;
        });
        Assert.IsFalse(endedBeforeCompletion, "the phase ended before the asynchronous operation completed");
        (ProbeCall begin, ProbeCall end) = WovenScenario.Span(calls, "AsyncPhases.Delay");
        Assert.AreEqual(0ul, begin.Parent);
        Assert.AreEqual(PhaseStatus.Completed, end.Status);
    }

    [TestMethod]
    public async Task The_caller_keeps_its_own_current_phase_and_is_the_parent()
    {
        Func<Task> delay = s_woven.Method<Func<Task>>(Phases, "Delay");
        ulong outerSpan = 0, currentAfterCall = 0;
        List<ProbeCall> calls = await ShimRecorder.TraceAsync(async () =>
        {
            using PhaseScope outer = Probe.Phase("Test.Caller");
            outerSpan = outer.SpanId;
            Task running = delay();
            currentAfterCall = SpanContext.Current?.SpanId ?? 0;
            await running;
        });
        Assert.AreEqual(outerSpan, currentAfterCall, "the woven stub changed its caller's current phase");
        Assert.AreEqual(outerSpan, WovenScenario.Span(calls, "AsyncPhases.Delay").Begin.Parent);
    }

    [TestMethod]
    public async Task Across_thread_hops_nested_phases_have_the_async_phase_as_parent()
    {
        Func<Task<int>> hop = s_woven.Method<Func<Task<int>>>(Phases, "HopThreads");
        List<ProbeCall> calls = await ShimRecorder.TraceAsync(() => hop());
        (ProbeCall hopBegin, ProbeCall hopEnd) = WovenScenario.Span(calls, "AsyncPhases.HopThreads");
        (ProbeCall nestedBegin, ProbeCall nestedEnd) = WovenScenario.Span(calls, "AsyncPhases.Nested");
        Assert.AreEqual(hopBegin.Span, nestedBegin.Parent);
        Assert.IsTrue(calls.IndexOf(nestedEnd) < calls.IndexOf(hopEnd), "the nested phase must end first");
        Assert.AreEqual(PhaseStatus.Completed, hopEnd.Status);
    }

    [TestMethod]
    public async Task Concurrent_children_on_other_threads_all_have_the_parent_phase()
    {
        Func<Task> parent = s_woven.Method<Func<Task>>(Phases, "Parent");
        List<ProbeCall> calls = await ShimRecorder.TraceAsync(() => parent());
        (ProbeCall parentBegin, ProbeCall parentEnd) = WovenScenario.Span(calls, "AsyncPhases.Parent");
        List<ProbeCall> children = calls.Where(c => c.IsBegin && c.Name == "AsyncPhases.Child").ToList();
        Assert.HasCount(3, children);
        Assert.IsTrue(children.All(c => c.Parent == parentBegin.Span));
        Assert.AreEqual(3, calls.Count(c => c.IsEnd && c.Name == "AsyncPhases.Child" && calls.IndexOf(c) < calls.IndexOf(parentEnd)));
    }

    [TestMethod]
    public async Task A_fault_after_an_await_ends_the_phase_as_faulted()
    {
        Func<Task> faults = s_woven.Method<Func<Task>>(Phases, "Faults");
        List<ProbeCall> calls = await ShimRecorder.TraceAsync(() => Assert.ThrowsExactlyAsync<InvalidOperationException>(faults));
        Assert.AreEqual(PhaseStatus.Faulted, WovenScenario.Span(calls, "AsyncPhases.Faults").End.Status);
    }

    [TestMethod]
    public async Task A_fault_in_the_synchronous_part_ends_the_phase_as_faulted()
    {
        Func<bool, Task> faults = s_woven.Method<Func<bool, Task>>(Phases, "FaultsBeforeAwait");
        List<ProbeCall> calls = await ShimRecorder.TraceAsync(() => Assert.ThrowsExactlyAsync<InvalidOperationException>(() => faults(true)));
        Assert.AreEqual(PhaseStatus.Faulted, WovenScenario.Span(calls, "AsyncPhases.FaultsBeforeAwait").End.Status);
    }

    [TestMethod]
    public async Task Cancellation_ends_the_phase_as_canceled()
    {
        Func<CancellationToken, Task> cancels = s_woven.Method<Func<CancellationToken, Task>>(Phases, "Cancels");
        using var source = new CancellationTokenSource();
        List<ProbeCall> calls = await ShimRecorder.TraceAsync(async () =>
        {
            Task running = cancels(source.Token);
            await source.CancelAsync();
            await Assert.ThrowsAsync<OperationCanceledException>(() => running);
        });
        Assert.AreEqual(PhaseStatus.Canceled, WovenScenario.Span(calls, "AsyncPhases.Cancels").End.Status);
    }

    [TestMethod]
    public async Task ValueTask_methods_are_phases_whether_they_complete_synchronously_or_not()
    {
        Func<int, ValueTask<int>> sync = s_woven.Method<Func<int, ValueTask<int>>>(Phases, "CompletesSynchronously");
        Func<ValueTask> yields = s_woven.Method<Func<ValueTask>>(Phases, "YieldsValueTask");
        Func<ValueTask<int>> faults = s_woven.Method<Func<ValueTask<int>>>(Phases, "FaultsValueTask");
        List<ProbeCall> calls = await ShimRecorder.TraceAsync(async () =>
        {
            Assert.AreEqual(8, await sync(8));
            await yields();
            await Assert.ThrowsExactlyAsync<InvalidOperationException>(async () => await faults());
        });
        Assert.AreEqual(PhaseStatus.Completed, WovenScenario.Span(calls, "AsyncPhases.CompletesSynchronously").End.Status);
        Assert.AreEqual(PhaseStatus.Completed, WovenScenario.Span(calls, "AsyncPhases.YieldsValueTask").End.Status);
        Assert.AreEqual(PhaseStatus.Faulted, WovenScenario.Span(calls, "AsyncPhases.FaultsValueTask").End.Status);
    }

    [TestMethod]
    public async Task Generic_async_methods_and_async_methods_of_generic_types_are_phases()
    {
        Func<string, Task<string>> generic = s_woven.Type(Phases).GetMethod("Generic")!.MakeGenericMethod(typeof(string)).CreateDelegate<Func<string, Task<string>>>();
        object repository = Activator.CreateInstance(s_woven.Type("Scenarios.Async.Repository`1").MakeGenericType(typeof(int)), 5)!;
        Func<Task<int>> load = repository.GetType().GetMethod("LoadAsync")!.CreateDelegate<Func<Task<int>>>(repository);
        List<ProbeCall> calls = await ShimRecorder.TraceAsync(async () =>
        {
            Assert.AreEqual("g", await generic("g"));
            Assert.AreEqual(5, await load());
        });
        WovenScenario.Span(calls, "AsyncPhases.Generic");
        WovenScenario.Span(calls, "Repository.LoadAsync");
    }

    [TestMethod]
    public async Task An_async_void_method_is_a_phase_that_ends_when_its_state_machine_completes()
    {
        object handler = Activator.CreateInstance(s_woven.Type("Scenarios.Async.FireAndForget`1").MakeGenericType(typeof(string)))!;
        Action<string, TaskCompletionSource> handle = handler.GetType().GetMethod("Handle")!.CreateDelegate<Action<string, TaskCompletionSource>>(handler);
        var started = new TaskCompletionSource();
        ulong outerSpan = 0, currentAfterCall = 0;
        ulong start = ShimRecorder.CallCount;
        ShimRecorder.SetTracerAttached(true);
        try
        {
            using (PhaseScope outer = Probe.Phase("Test.AsyncVoidCaller"))
            {
                outerSpan = outer.SpanId;
                handle("v", started);
                currentAfterCall = SpanContext.Current?.SpanId ?? 0;
            }
            await started.Task;
            // Nothing can be awaited: wait (bounded) until the phase's end has been recorded.
            Wait.Until(() => ShimRecorder.CallsSince(start).Any(c => c.IsEnd && c.Name == "FireAndForget.Handle"), TimeSpan.FromSeconds(30),
                "the async void phase ended");
        }
        finally
        {
            ShimRecorder.SetTracerAttached(false);
        }
        List<ProbeCall> calls = ShimRecorder.CallsSince(start);
        Assert.AreEqual(outerSpan, currentAfterCall, "the woven async void stub changed its caller's current phase");
        Assert.AreEqual("v", handler.GetType().GetProperty("Last")!.GetValue(handler), "the phase ended before the method's work was done");
        (ProbeCall begin, ProbeCall end) = WovenScenario.Span(calls, "FireAndForget.Handle");
        Assert.AreEqual(outerSpan, begin.Parent);
        Assert.AreEqual(PhaseStatus.Completed, end.Status);
        Assert.AreEqual(begin.Span, WovenScenario.Span(calls, "FireAndForget.Nested").Begin.Parent);
    }

    [TestMethod]
    public async Task A_non_async_method_returning_a_task_is_a_phase_that_spans_the_task()
    {
        Func<int, Task<int>> forwards = s_woven.Method<Func<int, Task<int>>>(Phases, "Forwards");
        Func<int, ValueTask<int>> forwardsValue = s_woven.Method<Func<int, ValueTask<int>>>(Phases, "ForwardsValueTask");
        Func<bool, Task> throws = s_woven.Method<Func<bool, Task>>(Phases, "ForwardsAndThrows");
        ulong currentAfterCall = 1;
        List<ProbeCall> calls = await ShimRecorder.TraceAsync(async () =>
        {
            Task<int> running = forwards(1);
            currentAfterCall = SpanContext.Current?.SpanId ?? 0;
            Assert.AreEqual(2, await running);
            Assert.AreEqual(3, await forwardsValue(2));
            await throws(false);
            Assert.ThrowsExactly<InvalidOperationException>(() => throws(true));
        });
        Assert.AreEqual(0ul, currentAfterCall, "the woven method left its phase current in the caller");
        (ProbeCall begin, ProbeCall end) = WovenScenario.Span(calls, "AsyncPhases.Forwards");
        ProbeCall innerBegin = calls.First(c => c.IsBegin && c.Name == "AsyncPhases.YieldOnce");
        ProbeCall innerEnd = calls.Single(c => c.IsEnd && c.Span == innerBegin.Span);
        Assert.AreEqual(begin.Span, innerBegin.Parent, "the forwarded call's phase is nested in the forwarding one");
        Assert.IsTrue(calls.IndexOf(innerEnd) < calls.IndexOf(end), "the forwarding phase ended before the task it returned");
        Assert.AreEqual(PhaseStatus.Completed, end.Status);
        Assert.AreEqual(PhaseStatus.Completed, WovenScenario.Span(calls, "AsyncPhases.ForwardsValueTask").End.Status);
        List<ProbeCall> throwsEnds = calls.Where(c => c.IsEnd && c.Name == "AsyncPhases.ForwardsAndThrows").ToList();
        CollectionAssert.AreEquivalent(new[] { PhaseStatus.Completed, PhaseStatus.Faulted }, throwsEnds.Select(c => c.Status).ToArray());
    }

    [TestMethod]
    public async Task A_tracer_leaving_mid_operation_still_gets_the_end()
    {
        var signal = new TaskCompletionSource();
        Func<Task, Task<int>> awaitSignal = s_woven.Method<Func<Task, Task<int>>>("Scenarios.Async.SignalPhases", "AwaitSignal");
        ulong start = ShimRecorder.CallCount;
        ShimRecorder.SetTracerAttached(true);
        Task<int> running = awaitSignal(signal.Task);
        ShimRecorder.SetTracerAttached(false);
        signal.SetResult();
        Assert.AreEqual(1, await running);
        List<ProbeCall> calls = ShimRecorder.CallsSince(start);
        Assert.AreEqual(PhaseStatus.Completed, WovenScenario.Span(calls, "SignalPhases.AwaitSignal").End.Status);
    }
}
