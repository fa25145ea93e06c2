using System.Runtime.InteropServices;

namespace Probes.Weaver.Tests;

/// <summary>One call into the counting shim, as it recorded it.</summary>
public sealed record ProbeCall(uint Kind, uint Id, string Name, ulong Span, long Extra)
{
    public const uint BeginKind = 1, EndKind = 2;

    public bool IsBegin => Kind == BeginKind;

    public bool IsEnd => Kind == EndKind;

    /// <summary>For a begin: the parent span.</summary>
    public ulong Parent => (ulong)Extra;

    /// <summary>For an end: the status.</summary>
    public PhaseStatus Status => (PhaseStatus)Extra;

    public override string ToString() => IsBegin ? $"B {Name} span={Span} parent={Parent}" : $"E {Name} span={Span} {Status}";
}

/// <summary>
/// Points the SDK at the counting build of the shim (its ring keeps the last 4096 calls in
/// order) and plays the kernel: raising the semaphores is what attaching a tracer does.
/// </summary>
internal static unsafe partial class ShimRecorder
{
    [StructLayout(LayoutKind.Sequential)]
    private struct RawCall
    {
        public uint Kind;
        public uint Id;
        public IntPtr Name;
        public ulong SpanId;
        public long Extra;
        public ulong TraceIdHi; // phase_context only; the C struct's size must match
        public ulong TraceIdLo;
    }

    private static delegate* unmanaged<ulong> s_callCount;
    private static delegate* unmanaged<ulong, RawCall*, int> s_callAt;

    public static void Initialize()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "libprobes-counting.so");
        Environment.SetEnvironmentVariable(NativeShim.LibraryPathVariable, path);
        IntPtr handle = NativeLibrary.Load(path);
        s_callCount = (delegate* unmanaged<ulong>)NativeLibrary.GetExport(handle, "probes_call_count");
        s_callAt = (delegate* unmanaged<ulong, RawCall*, int>)NativeLibrary.GetExport(handle, "probes_call_at");
        Assert.IsTrue(NativeShim.IsLoaded(), $"the SDK did not load the counting shim: {NativeShim.LoadError}");
        Assert.AreEqual(path, NativeShim.LoadedPath);
    }

    public static ulong CallCount => s_callCount();

    public static void SetTracerAttached(bool attached)
    {
        ushort value = attached ? (ushort)1 : (ushort)0;
        *NativeShim.PhaseBeginSemaphore = value;
        *NativeShim.PhaseEndSemaphore = value;
        *NativeShim.MarkSemaphore = value;
    }

    /// <summary>Every call made since call number <paramref name="start"/>, in order.</summary>
    public static List<ProbeCall> CallsSince(ulong start)
    {
        var calls = new List<ProbeCall>();
        for (ulong i = start; i < CallCount; i++)
        {
            RawCall raw;
            Assert.AreEqual(1, s_callAt(i, &raw), $"call {i} fell out of the ring");
            calls.Add(new ProbeCall(raw.Kind, raw.Id, Marshal.PtrToStringUTF8(raw.Name) ?? "", raw.SpanId, raw.Extra));
        }
        return calls;
    }

    /// <summary>Runs <paramref name="action"/> with a tracer "attached" and returns the probe calls it made.</summary>
    public static List<ProbeCall> Trace(Action action)
    {
        ulong start = CallCount;
        SetTracerAttached(true);
        try
        {
            action();
        }
        finally
        {
            SetTracerAttached(false);
        }
        return CallsSince(start);
    }
}

// Await is not allowed in an unsafe context, so the async form lives in a safe part.
internal static partial class ShimRecorder
{
    /// <inheritdoc cref="Trace(Action)"/>
    public static async Task<List<ProbeCall>> TraceAsync(Func<Task> action)
    {
        ulong start = CallCount;
        SetTracerAttached(true);
        try
        {
            await action();
        }
        finally
        {
            SetTracerAttached(false);
        }
        return CallsSince(start);
    }
}

[TestClass]
public static class AssemblySetup
{
    // Must run before anything touches Probe: the SDK picks its shim once per process.
    [AssemblyInitialize]
    public static void UseCountingShim(TestContext context) => ShimRecorder.Initialize();
}
