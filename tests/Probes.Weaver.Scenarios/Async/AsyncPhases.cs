using Probes;

namespace Scenarios.Async;

/// <summary>Async shapes: the phase spans the whole operation, with the caller's phase as parent.</summary>
public static class AsyncPhases
{
    [ProbePhase]
    public static async Task Delay()
    {
        await Task.Delay(5);
    }

    // Runs its continuation on pool threads, and starts a nested phase from there.
    [ProbePhase]
    public static async Task<int> HopThreads()
    {
        int before = Environment.CurrentManagedThreadId;
        await Task.Run(() => Thread.Sleep(5)).ConfigureAwait(false);
        await Nested().ConfigureAwait(false);
        return before;
    }

    [ProbePhase]
    public static async Task Nested()
    {
        await Task.Yield();
    }

    [ProbePhase]
    public static async Task Faults()
    {
        await Task.Yield();
        throw new InvalidOperationException("async boom");
    }

    [ProbePhase]
    public static async Task FaultsBeforeAwait(bool fail)
    {
        if (fail)
        {
            throw new InvalidOperationException("synchronous part failed");
        }
        await Task.Yield();
    }

    [ProbePhase]
    public static async Task Cancels(CancellationToken token)
    {
        await Task.Delay(Timeout.Infinite, token);
    }

    [ProbePhase]
    public static async ValueTask<int> CompletesSynchronously(int x)
    {
        await Task.CompletedTask;
        return x;
    }

    /// <summary>The same as <see cref="CompletesSynchronously"/>, unwoven.</summary>
    public static async ValueTask<int> CompletesSynchronouslyPlain(int x)
    {
        await Task.CompletedTask;
        return x;
    }

    [ProbePhase]
    public static async ValueTask YieldsValueTask()
    {
        await Task.Yield();
    }

    [ProbePhase]
    public static async ValueTask<int> FaultsValueTask()
    {
        await Task.Yield();
        throw new InvalidOperationException("value task boom");
    }

    [ProbePhase]
    public static async Task<T> Generic<T>(T value)
    {
        await Task.Yield();
        return value;
    }

    // Children run concurrently on other threads: each one's parent is Parent's span.
    [ProbePhase]
    public static async Task Parent()
    {
        await Task.WhenAll(Child(1), Child(2), Child(3));
    }

    [ProbePhase]
    public static async Task Child(int delay)
    {
        await Task.Delay(delay).ConfigureAwait(false);
    }

    // Not async: forwards another method's task. The phase must still span that task.
    [ProbePhase]
    public static Task<int> Forwards(int x) => YieldOnce(x);

    [ProbePhase]
    public static Task ForwardsAndThrows(bool fail) => fail ? throw new InvalidOperationException("before any task") : Task.Delay(1);

    [ProbePhase]
    public static ValueTask<int> ForwardsValueTask(int x) => new(YieldOnce(x));

    [ProbePhase]
    public static async Task<int> YieldOnce(int x)
    {
        await Task.Yield();
        return x + 1;
    }

    /// <summary>The same as <see cref="YieldOnce"/>, unwoven, for the allocation comparison.</summary>
    public static async Task<int> YieldOncePlain(int x)
    {
        await Task.Yield();
        return x + 1;
    }
}

/// <summary>async void: nothing outside sees it complete; the weaver hooks its state machine.</summary>
public sealed class FireAndForget<T>
{
    public T? Last { get; private set; }

    [ProbePhase]
    public async void Handle(T value, TaskCompletionSource started)
    {
        started.SetResult();
        await Task.Delay(5).ConfigureAwait(false);
        await Nested();
        Last = value;
    }

    [ProbePhase]
    private static async Task Nested() => await Task.Yield();
}

/// <summary>An instance async method on a generic type.</summary>
public sealed class Repository<T>(T item)
{
    [ProbePhase]
    public async Task<T> LoadAsync()
    {
        await Task.Yield();
        return item;
    }
}

/// <summary>
/// Awaits a signal the caller completes on its own thread, so the whole operation (state
/// machine box, continuation) runs on one thread and its allocations can be counted there.
/// </summary>
public static class SignalPhases
{
    [ProbePhase]
    public static async Task<int> AwaitSignal(Task signal)
    {
        await signal;
        return 1;
    }

    /// <summary>The same as <see cref="AwaitSignal"/>, unwoven.</summary>
    public static async Task<int> AwaitSignalPlain(Task signal)
    {
        await signal;
        return 1;
    }
}
