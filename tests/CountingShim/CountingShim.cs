using System.Runtime.InteropServices;

namespace Probes.Testing;

/// <summary>What the test build of libprobes.so recorded of the last call into it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ShimCall
{
    public uint Kind; // 1 = phase_begin, 2 = phase_end, 3 = mark, 4 = phase_context
    public uint Id;
    public IntPtr Name;
    public ulong SpanId;
    public long Extra; // parent span id, status or value
    public ulong TraceIdHi; // phase_context only
    public ulong TraceIdLo;

    public readonly string? NameText => Marshal.PtrToStringUTF8(Name);
}

/// <summary>
/// Points this test process's SDK at the counting build of the shim and lets tests play the
/// kernel's part: raising a semaphore is what a uprobe with ref_ctr_offset does.
/// </summary>
internal static unsafe class CountingShim
{
    public const uint BeginKind = 1, EndKind = 2, MarkKind = 3, ContextKind = 4;

    private static delegate* unmanaged<ulong> s_callCount;
    private static delegate* unmanaged<ShimCall*, void> s_lastCall;

    public static void Initialize()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "libprobes-counting.so");
        Environment.SetEnvironmentVariable(NativeShim.LibraryPathVariable, path);
        IntPtr handle = NativeLibrary.Load(path);
        s_callCount = (delegate* unmanaged<ulong>)NativeLibrary.GetExport(handle, "probes_call_count");
        s_lastCall = (delegate* unmanaged<ShimCall*, void>)NativeLibrary.GetExport(handle, "probes_last_call");
        Assert.IsTrue(NativeShim.IsLoaded(), $"the SDK did not load the counting shim: {NativeShim.LoadError}");
        Assert.AreEqual(path, NativeShim.LoadedPath);
    }

    public static ulong CallCount => s_callCount();

    /// <summary>Raises (or lowers) the ABI v2 <c>phase_context</c> semaphore alone.</summary>
    public static void SetContextAttached(bool attached) => *NativeShim.PhaseContextSemaphore = attached ? (ushort)1 : (ushort)0;

    public static ShimCall LastCall
    {
        get
        {
            ShimCall call;
            s_lastCall(&call);
            return call;
        }
    }

    /// <summary>Raises (or lowers) every probe semaphore, as attaching (or detaching) a tracer would.</summary>
    public static void SetTracerAttached(bool attached)
    {
        ushort value = attached ? (ushort)1 : (ushort)0;
        *NativeShim.PhaseBeginSemaphore = value;
        *NativeShim.PhaseEndSemaphore = value;
        *NativeShim.MarkSemaphore = value;
    }
}
