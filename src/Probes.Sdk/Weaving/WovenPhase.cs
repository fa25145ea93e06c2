using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace Probes.Weaving;

/// <summary>
/// What code woven by Probes.Fody calls besides <see cref="Probe.Phase(string)"/>. Not for
/// hand-written code. Every member is reached only when the phase's begin fired (the woven
/// IL tests <see cref="PhaseScope.IsRecording"/> first) or on an exception path, so the
/// disabled path of a woven method stays the semaphore read and a branch.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WovenPhase
{
    /// <summary>
    /// The status for an exception leaving a phase. Called from the woven exception filter,
    /// which records it and declines the exception, so unwinding is left untouched and the
    /// end fires later from the finally block, after any phases nested inside have ended.
    /// </summary>
    public static int StatusOf(object exception) =>
        (int)(exception is OperationCanceledException ? PhaseStatus.Canceled : PhaseStatus.Faulted);

    /// <summary>
    /// Called by a woven async method's stub once the state machine has run its synchronous
    /// part: gives the caller's flow back its own current phase (the stub had to make the new
    /// span current before <c>Start</c> so that the state machine captured it) and ends the
    /// phase when <paramref name="task"/> completes.
    /// </summary>
    public static Task Leave(Task task, PhaseScope scope)
    {
        RestoreCaller(scope);
        EndWhenDone(task, scope);
        return task;
    }

    /// <inheritdoc cref="Leave(Task, PhaseScope)"/>
    public static Task<T> Leave<T>(Task<T> task, PhaseScope scope)
    {
        RestoreCaller(scope);
        EndWhenDone(task, scope);
        return task;
    }

    /// <inheritdoc cref="Leave(Task, PhaseScope)"/>
    public static ValueTask Leave(ValueTask task, PhaseScope scope)
    {
        RestoreCaller(scope);
        if (task.IsCompleted)
        {
            scope.End(task.IsCompletedSuccessfully ? PhaseStatus.Completed : task.IsCanceled ? PhaseStatus.Canceled : PhaseStatus.Faulted);
            return task;
        }
        // A ValueTask may be consumed once: it becomes a Task here (only while tracing).
        Task asTask = task.AsTask();
        EndWhenDone(asTask, scope);
        return new ValueTask(asTask);
    }

    /// <inheritdoc cref="Leave(Task, PhaseScope)"/>
    public static ValueTask<T> Leave<T>(ValueTask<T> task, PhaseScope scope)
    {
        RestoreCaller(scope);
        if (task.IsCompleted)
        {
            scope.End(task.IsCompletedSuccessfully ? PhaseStatus.Completed : task.IsCanceled ? PhaseStatus.Canceled : PhaseStatus.Faulted);
            return task;
        }
        Task<T> asTask = task.AsTask();
        EndWhenDone(asTask, scope);
        return new ValueTask<T>(asTask);
    }

    /// <summary>
    /// For an async void stub after <c>Start</c>: gives the caller's flow back its own current
    /// phase. The end comes from the state machine itself (see <see cref="Fault"/>).
    /// </summary>
    public static void LeaveCaller(PhaseScope scope) => RestoreCaller(scope);

    /// <summary>
    /// For an async void state machine, just before it hands an exception to its builder:
    /// ends the phase as faulted or canceled.
    /// </summary>
    public static void Fault(object exception, PhaseScope scope) => scope.End((PhaseStatus)StatusOf(exception));

    private static void RestoreCaller(PhaseScope scope)
    {
        // The stub made this span current in the caller's flow; AsyncMethodBuilder.Start
        // restores the context as it was before Start, i.e. with the span still current.
        if (SpanContext.Current is { } current && current.SpanId == scope.SpanId)
        {
            SpanContext.Current = current.Parent;
        }
    }

    private static void EndWhenDone(Task? task, PhaseScope scope)
    {
        // A non-async Task method may return null (a bug of its own, for its caller to find).
        if (task is null)
        {
            scope.End(PhaseStatus.Completed);
            return;
        }
        if (task.IsCompleted)
        {
            scope.End(StatusOf(task));
            return;
        }
        // Registered before the caller can await the task, and run synchronously by the
        // completing thread, so the end fires before the caller's continuation runs.
        task.ContinueWith(
            EndFromTask,
            scope,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private static readonly Action<Task, object?> EndFromTask = (done, state) => ((PhaseScope)state!).End(StatusOf(done));

    /// <summary>
    /// Runs the completion path ahead of the first traced async phase (see <see cref="Probe"/>)
    /// on a scope that already ended, so no probe fires: the continuation's registration and,
    /// when the task completes, its run and the completion of the continuation task. The first
    /// run of that task machinery resolves ReadyToRun fixups and loads types (a few hundred
    /// microseconds, once), which would otherwise fall inside the first async phase (the
    /// registration) and right after its end probe (the completion).
    /// </summary>
    internal static void Warm(PhaseScope endedScope)
    {
        var completion = new TaskCompletionSource();
        EndWhenDone(completion.Task, endedScope);
        completion.SetResult();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static PhaseStatus StatusOf(Task done) =>
        done.IsCanceled ? PhaseStatus.Canceled
        : done.IsFaulted ? (done.Exception?.InnerException is OperationCanceledException ? PhaseStatus.Canceled : PhaseStatus.Faulted)
        : PhaseStatus.Completed;
}
