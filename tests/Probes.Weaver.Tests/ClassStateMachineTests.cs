namespace Probes.Weaver.Tests;

/// <summary>Async weaving of a Debug build, whose state machines are classes.</summary>
[TestClass]
[DoNotParallelize]
public sealed class ClassStateMachineTests
{
    private const string Type = "Scenarios.Sync.ClassStateMachines";
    private static WovenScenario s_woven = null!;

    [ClassInitialize]
    public static void Weave(TestContext context) => s_woven = WovenScenario.Weave("Sync");

    [TestMethod]
    public async Task An_async_Task_method_with_a_class_state_machine_is_a_phase()
    {
        object instance = Activator.CreateInstance(s_woven.Type(Type))!;
        Func<int, Task<int>> yieldAsync = instance.GetType().GetMethod("YieldAsync")!.CreateDelegate<Func<int, Task<int>>>(instance);
        int result = 0;
        List<ProbeCall> calls = await ShimRecorder.TraceAsync(async () => result = await yieldAsync(1));
        Assert.AreEqual(2, result);
        Assert.AreEqual(PhaseStatus.Completed, WovenScenario.Span(calls, "ClassStateMachines.YieldAsync").End.Status);
    }

    [TestMethod]
    public async Task An_async_void_method_with_a_class_state_machine_is_a_phase()
    {
        object instance = Activator.CreateInstance(s_woven.Type(Type))!;
        Action<TaskCompletionSource> handle = instance.GetType().GetMethod("Handle")!.CreateDelegate<Action<TaskCompletionSource>>(instance);
        var started = new TaskCompletionSource();
        ulong start = ShimRecorder.CallCount;
        ShimRecorder.SetTracerAttached(true);
        try
        {
            handle(started);
            Assert.IsNull(SpanContext.Current, "the async void stub left its phase current in the caller");
            await started.Task;
            Wait.Until(() => ShimRecorder.CallsSince(start).Any(c => c.IsEnd), TimeSpan.FromSeconds(30), "the async void phase ended");
        }
        finally
        {
            ShimRecorder.SetTracerAttached(false);
        }
        Assert.AreEqual(1, instance.GetType().GetProperty("Done")!.GetValue(instance));
        Assert.AreEqual(PhaseStatus.Completed, WovenScenario.Span(ShimRecorder.CallsSince(start), "ClassStateMachines.Handle").End.Status);
    }
}
