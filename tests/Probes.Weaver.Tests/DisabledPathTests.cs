namespace Probes.Weaver.Tests;

/// <summary>
/// Without a tracer a woven method must cost the semaphore read and a branch: no probe call,
/// and not one allocated byte more than the same method unwoven.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class DisabledPathTests
{
    private const int Calls = 10_000;
    private static WovenScenario s_sync = null!;
    private static WovenScenario s_async = null!;

    [ClassInitialize]
    public static void Weave(TestContext context)
    {
        s_sync = WovenScenario.Weave("Sync");
        s_async = WovenScenario.Weave("Async");
        ShimRecorder.SetTracerAttached(false);
    }

    [TestMethod]
    public void A_woven_sync_method_allocates_nothing_and_calls_nothing()
    {
        Func<int, int, int> add = s_sync.Method<Func<int, int, int>>("Scenarios.Sync.SyncPhases", "Add");
        Func<int, int> many = s_sync.Method<Func<int, int>>("Scenarios.Sync.SyncPhases", "ManyReturns");
        Func<int> swallows = s_sync.Method<Func<int>>("Scenarios.Sync.SyncPhases", "Swallows");
        Warm(() => add(1, 2) + many(3));

        ulong callsBefore = ShimRecorder.CallCount;
        long before = GC.GetAllocatedBytesForCurrentThread();
        int sum = 0;
        for (int i = 0; i < Calls; i++)
        {
            sum += add(i, 1) + many(i & 15);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.AreNotEqual(0, sum);
        Assert.AreEqual(0L, allocated, $"{allocated} bytes allocated by {Calls} calls of woven sync methods");
        Assert.AreEqual(callsBefore, ShimRecorder.CallCount, "a disabled woven method called into the shim");
        Assert.AreEqual(7, swallows());
    }

    [TestMethod]
    public void A_woven_async_method_allocates_exactly_what_the_unwoven_one_does()
    {
        Func<Task, Task<int>> woven = s_async.Method<Func<Task, Task<int>>>("Scenarios.Async.SignalPhases", "AwaitSignal");
        Func<Task, Task<int>> plain = s_async.Method<Func<Task, Task<int>>>("Scenarios.Async.SignalPhases", "AwaitSignalPlain");
        Func<int, ValueTask<int>> completes = s_async.Method<Func<int, ValueTask<int>>>("Scenarios.Async.AsyncPhases", "CompletesSynchronously");
        Func<int, ValueTask<int>> completesPlain = s_async.Method<Func<int, ValueTask<int>>>("Scenarios.Async.AsyncPhases", "CompletesSynchronouslyPlain");
        Warm(() => RunSuspended(woven, 20) + RunSuspended(plain, 20) + RunCompleting(completes, 20) + RunCompleting(completesPlain, 20));

        ulong callsBefore = ShimRecorder.CallCount;
        // The smallest of a few rounds: the runtime itself now and then allocates a little on
        // this thread (tiering, timers), which is noise and not the woven code's.
        long wovenBytes = Enumerable.Range(0, 3).Min(_ => RunSuspended(woven, Calls));
        long plainBytes = Enumerable.Range(0, 3).Min(_ => RunSuspended(plain, Calls));
        long completingBytes = Enumerable.Range(0, 3).Min(_ => RunCompleting(completes, Calls));
        long completingPlainBytes = Enumerable.Range(0, 3).Min(_ => RunCompleting(completesPlain, Calls));

        Assert.AreNotEqual(0L, plainBytes, "the measurement did not see the state machines");
        Assert.AreEqual(plainBytes, wovenBytes, $"woven {wovenBytes} vs unwoven {plainBytes} bytes for {Calls} suspended calls");
        Assert.AreEqual(completingPlainBytes, completingBytes, $"woven {completingBytes} vs unwoven {completingPlainBytes} bytes for {Calls} synchronously completing ValueTask calls");
        Assert.AreEqual(callsBefore, ShimRecorder.CallCount, "a disabled woven method called into the shim");
    }

    // Each call suspends on a signal this thread then completes, so the state machine box,
    // the task and the continuation are all allocated on this thread, where they are counted.
    private static long RunSuspended(Func<Task, Task<int>> method, int calls)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        int sum = 0;
        for (int i = 0; i < calls; i++)
        {
            var signal = new TaskCompletionSource();
            Task<int> running = method(signal.Task);
            signal.SetResult();
            sum += running.Result;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.AreEqual(calls, sum);
        return allocated;
    }

    private static long RunCompleting(Func<int, ValueTask<int>> method, int calls)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        int sum = 0;
        for (int i = 0; i < calls; i++)
        {
            sum += method(1).Result;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.AreEqual(calls, sum);
        return allocated;
    }

    // Enough calls for tiered compilation to settle on optimized code before measuring.
    private static void Warm(Func<long> body)
    {
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 200; i++)
            {
                body();
            }
            Thread.Sleep(150);
        }
    }
}
