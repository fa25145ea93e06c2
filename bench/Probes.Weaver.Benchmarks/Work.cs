using System.Runtime.CompilerServices;

namespace Probes.Weaver.Benchmarks;

/// <summary>
/// The same small piece of work three ways. NoInlining on all of them, so each benchmark
/// pays one real call and the only difference is the probe code around the work.
/// </summary>
public static class Work
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Unwoven(int x) => (x * 31) + 7;

    [ProbePhase("Bench.Woven")]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Woven(int x) => (x * 31) + 7;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Manual(int x)
    {
        using (Probe.Phase("Bench.Manual"))
        {
            return (x * 31) + 7;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task<int> UnwovenAsync(int x)
    {
        await Task.CompletedTask;
        return (x * 31) + 7;
    }

    [ProbePhase("Bench.WovenAsync")]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task<int> WovenAsync(int x)
    {
        await Task.CompletedTask;
        return (x * 31) + 7;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task<int> ManualAsync(int x)
    {
        using (Probe.Phase("Bench.ManualAsync"))
        {
            await Task.CompletedTask;
            return (x * 31) + 7;
        }
    }
}
