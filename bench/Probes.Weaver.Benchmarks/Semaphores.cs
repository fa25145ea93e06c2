using System.Runtime.InteropServices;

namespace Probes.Weaver.Benchmarks;

/// <summary>
/// Plays the kernel for the "tracer attached" runs: raising the exported semaphores of the
/// libprobes.so this process loaded is what a uprobe with ref_ctr_offset does. Without a
/// real uprobe the enabled numbers are the SDK's own cost up to the (empty) probe site.
/// </summary>
internal static unsafe class Semaphores
{
    public static void Set(bool attached)
    {
        string path = Probe.NativeLibraryPath ?? throw new InvalidOperationException($"probes unavailable: {Probe.UnavailableReason}");
        IntPtr library = NativeLibrary.Load(path);
        foreach (string probe in new[] { "phase_begin", "phase_end" })
        {
            *(ushort*)NativeLibrary.GetExport(library, $"probes_{probe}_semaphore") = attached ? (ushort)1 : (ushort)0;
        }
    }
}
