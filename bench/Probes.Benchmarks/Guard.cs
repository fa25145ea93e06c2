using System.Runtime.InteropServices;

namespace Probes.Benchmarks;

/// <summary>
/// Preconditions a benchmark checks in its setup. A benchmark that cannot measure what its
/// name says throws there, so BenchmarkDotNet reports it as failed instead of printing a
/// number for something else (a missing shim is as fast as a disabled probe).
/// </summary>
internal static partial class Guard
{
    public static string RequireShimLoaded()
    {
        if (Probe.NativeLibraryPath is not { } path)
        {
            throw new InvalidOperationException(
                $"libprobes.so is not loaded ({Probe.UnavailableReason}); build with `dotnet build -c Release` or set PROBES_LIBRARY.");
        }
        return path;
    }

    public static void RequireRoot()
    {
        if (GetEffectiveUserId() != 0)
        {
            throw new InvalidOperationException("the enabled benchmarks attach bpftrace and need root; run them with sudo.");
        }
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
