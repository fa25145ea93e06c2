using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Probes.Consumer.Targets.Files;

/// <summary>The real file system, through libc. openat2 goes through syscall(2): glibc does not wrap it.</summary>
public sealed unsafe partial class LibcFileCalls : IFileCalls
{
    public static readonly LibcFileCalls Instance = new();

    private const long SysOpenAt2 = 437;  // same number on every architecture (added after the syscall table unification)
    private const int AtCurrentDirectory = -100;        // AT_FDCWD
    private const int AtEmptyPath = 0x1000;             // AT_EMPTY_PATH
    private const uint StatxTypeAndInode = 0x1 | 0x100; // STATX_TYPE | STATX_INO; the device is always filled in
    private const int SeekCurrent = 1;                  // SEEK_CUR
    private const int ProtRead = 0x1;                   // PROT_READ
    private const int MapPrivate = 0x2;                 // MAP_PRIVATE: nothing we do can reach the file
    private const nint MapFailed = -1;

    private LibcFileCalls() { }

    public SafeFileHandle? Open(string path, int flags, out int errno)
    {
        int descriptor = open(path, flags);
        errno = descriptor < 0 ? Marshal.GetLastPInvokeError() : 0;
        return descriptor >= 0 ? new SafeFileHandle(descriptor, ownsHandle: true) : null;
    }

    public SafeFileHandle? OpenAt2(SafeFileHandle directory, string relativePath, int flags, ulong resolve, out int errno)
    {
        var how = new OpenHow { Flags = (ulong)flags, Mode = 0, Resolve = resolve };
        byte[] path = System.Text.Encoding.UTF8.GetBytes(relativePath + "\0");
        long descriptor;
        bool added = false;
        directory.DangerousAddRef(ref added);
        try
        {
            fixed (byte* pathPointer = path)
            {
                descriptor = syscall(SysOpenAt2, directory.DangerousGetHandle(), (nint)pathPointer, (nint)(&how), sizeof(OpenHow));
                errno = descriptor < 0 ? Marshal.GetLastPInvokeError() : 0;
            }
        }
        finally
        {
            if (added)
            {
                directory.DangerousRelease();
            }
        }
        return descriptor >= 0 ? new SafeFileHandle((nint)descriptor, ownsHandle: true) : null;
    }

    public bool TryStatus(SafeFileHandle handle, out FileStatus status, out int errno)
    {
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            return Statx((int)handle.DangerousGetHandle(), "", AtEmptyPath, out status, out errno);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    public bool TryStatus(string path, out FileStatus status, out int errno) =>
        Statx(AtCurrentDirectory, path, 0, out status, out errno);

    public bool IsSeekable(SafeFileHandle handle)
    {
        long position = lseek((int)handle.DangerousGetHandle(), 0, SeekCurrent);
        GC.KeepAlive(handle);
        return position >= 0;
    }

    public nint MapPage(SafeFileHandle handle)
    {
        nint address = mmap(0, 1, ProtRead, MapPrivate, (int)handle.DangerousGetHandle(), 0);
        GC.KeepAlive(handle);
        return address == MapFailed ? -1 : address;
    }

    public void Unmap(nint address) => _ = munmap(address, 1);

    public IEnumerable<string> OwnMaps() => File.ReadLines("/proc/self/maps");

    private static bool Statx(int directory, string path, int flags, out FileStatus status, out int errno)
    {
        byte* buffer = stackalloc byte[FileStatus.BufferSize];
        new Span<byte>(buffer, FileStatus.BufferSize).Clear();
        if (statx(directory, path, flags, StatxTypeAndInode, buffer) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            status = default;
            return false;
        }
        errno = 0;
        status = FileStatus.FromStatx(new ReadOnlySpan<byte>(buffer, FileStatus.BufferSize));
        return true;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    // syscall(2) is variadic; on x86-64 integer arguments travel in the same registers either way.
    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, nint a1, nint a2, nint a3, nint a4);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int directory, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long lseek(int descriptor, long offset, int whence);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint mmap(nint address, nuint length, int protection, int flags, int descriptor, long offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int munmap(nint address, nuint length);
}
