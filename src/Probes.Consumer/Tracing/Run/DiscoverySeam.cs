namespace Probes.Consumer.Tracing.Run;

/// <summary>
/// A test seam at the one moment a race matters most: the target's probes have been found and
/// their programs loaded, the uprobes are not attached yet. Tests that run a verb in-process
/// (<c>ProbesCli.Run</c>) set <see cref="BeforeAttach"/> to kill or replace the target
/// right there. Async-local, so it reaches only the verb run by the flow that set it; no option
/// or environment variable leads here.
/// </summary>
internal static class DiscoverySeam
{
    private static readonly AsyncLocal<Action?> Hook = new();

    internal static Action? BeforeAttach
    {
        get => Hook.Value;
        set => Hook.Value = value;
    }

    internal static void Reached() => Hook.Value?.Invoke();
}
