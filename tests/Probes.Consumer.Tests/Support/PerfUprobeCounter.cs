using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Probes.Consumer.Tests.Support;

/// <summary>
/// A counting uprobe made with perf_event_open and the perf <c>uprobe</c> PMU: file path,
/// file offset of the site, and optionally the semaphore's file offset as
/// <c>ref_ctr_offset</c> (the kernel then raises the semaphore while attached). No BPF, no
/// tracefs: the test's independent check that the offsets <c>probes list</c> reports are
/// the ones the kernel wants. Test-only; the product's attachments live in Bpf/.
/// </summary>
public sealed partial class PerfUprobeCounter : IDisposable
{
    private const long PerfEventOpenSyscall = 298; // x86-64
    private const int AttrSize = 112;               // PERF_ATTR_SIZE_VER5, enough for config1/config2
    private const ulong FlagFdCloexec = 8;          // PERF_FLAG_FD_CLOEXEC
    private readonly int _descriptor;

    public PerfUprobeCounter(string path, ulong offset, ulong referenceCounterOffset, int pid)
    {
        int type = int.Parse(File.ReadAllText("/sys/bus/event_source/devices/uprobe/type").Trim(), CultureInfo.InvariantCulture);
        IntPtr pathPointer = Marshal.StringToCoTaskMemUTF8(path);
        try
        {
            byte[] attr = new byte[AttrSize];
            BinaryPrimitives.WriteUInt32LittleEndian(attr.AsSpan(0), (uint)type);
            BinaryPrimitives.WriteUInt32LittleEndian(attr.AsSpan(4), AttrSize);
            BinaryPrimitives.WriteUInt64LittleEndian(attr.AsSpan(8), referenceCounterOffset << 32); // config: ref_ctr_offset in bits 32-63
            BinaryPrimitives.WriteUInt64LittleEndian(attr.AsSpan(56), (ulong)pathPointer);          // config1: uprobe_path
            BinaryPrimitives.WriteUInt64LittleEndian(attr.AsSpan(64), offset);                     // config2: probe_offset
            unsafe
            {
                fixed (byte* attribute = attr)
                {
                    _descriptor = (int)syscall(PerfEventOpenSyscall, (IntPtr)attribute, pid, -1, -1, FlagFdCloexec);
                }
            }
            if (_descriptor < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                Assert.Fail($"perf_event_open(uprobe {path}+0x{offset:x}, ref_ctr 0x{referenceCounterOffset:x}) failed: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }
        finally
        {
            Marshal.FreeCoTaskMem(pathPointer);
        }
    }

    /// <summary>How many times the probed instruction ran in the target since the counter opened.</summary>
    public unsafe ulong Count
    {
        get
        {
            ulong value = 0;
            long read = ReadCounter(_descriptor, &value, sizeof(ulong));
            Assert.AreEqual(sizeof(ulong), read, "read of the perf counter");
            return value;
        }
    }

    public void Dispose() => close(_descriptor);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, IntPtr attr, int pid, int cpu, int groupFd, ulong flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial long ReadCounter(int fd, ulong* buffer, nint count);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
