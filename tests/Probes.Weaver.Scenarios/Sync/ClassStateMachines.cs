using Probes;

namespace Scenarios.Sync;

/// <summary>
/// Async methods in an unoptimized (Debug) build, where the compiler makes state machines
/// classes instead of structs; the Async scenario is built optimized and covers structs.
/// </summary>
public sealed class ClassStateMachines
{
    public int Done { get; private set; }

    [ProbePhase]
    public async Task<int> YieldAsync(int x)
    {
        await Task.Yield();
        return x + 1;
    }

    [ProbePhase]
    public async void Handle(TaskCompletionSource started)
    {
        started.SetResult();
        await Task.Delay(1).ConfigureAwait(false);
        Done++;
    }
}
