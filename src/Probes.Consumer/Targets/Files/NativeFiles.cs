using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Probes.Consumer.Targets.Files;

/// <summary>
/// The file system calls target pinning needs and .NET does not offer: open(2) with O_PATH,
/// openat2(2) with its RESOLVE_* flags, and statx(2) on a descriptor. Each returns the
/// descriptor or throws <see cref="NativeFileException"/> carrying the errno; callers turn that
/// into the user's one-line error, naming the file as the user knows it.
/// </summary>
internal static unsafe partial class NativeFiles
{
    // Flag values shared by x86-64 and the generic (aarch64) ABI.
    public const int ReadOnly = 0x0;             // O_RDONLY
    public const int NoControllingTty = 0x100;   // O_NOCTTY: opening a terminal must not adopt it
    public const int NonBlocking = 0x800;        // O_NONBLOCK: a FIFO must not block the open
    public const int CloseOnExec = 0x80000;      // O_CLOEXEC
    public const int PathOnly = 0x200000;        // O_PATH: a handle on the name, no open() of the file itself

    // openat2 resolve flags (include/uapi/linux/openat2.h).
    public const ulong ResolveNoMagicLinks = 0x02;  // no /proc/PID/fd/N-style jumps
    public const ulong ResolveNoSymlinks = 0x04;    // no symlink in any component
    public const ulong ResolveBeneath = 0x08;       // never leave the starting directory
    public const ulong ResolveInRoot = 0x10;        // the starting directory is "/" (chroot-like) for the walk

    private const int AtCurrentDirectory = -100; // AT_FDCWD

    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, ENXIO = 6, EAGAIN = 11, EACCES = 13, EXDEV = 18, ENOTDIR = 20, ENOSYS = 38, ELOOP = 40;

    private const long SysOpenAt2 = 437;  // same number on every architecture (added after the syscall table unification)
    private const int AtEmptyPath = 0x1000;
    private const uint StatxTypeAndInode = 0x1 | 0x100; // STATX_TYPE | STATX_INO; the device is always filled in

    public static SafeFileHandle Open(string path, int flags)
    {
        int descriptor = open(path, flags);
        return descriptor >= 0 ? new SafeFileHandle(descriptor, ownsHandle: true) : throw new NativeFileException("open", Marshal.GetLastPInvokeError());
    }

    /// <summary>openat2 relative to <paramref name="directory"/>; retried on EAGAIN, which the kernel returns when a concurrent rename could have let ".." escape.</summary>
    public static SafeFileHandle OpenAt2(SafeFileHandle directory, string relativePath, int flags, ulong resolve)
    {
        var how = new OpenHow { Flags = (ulong)flags, Mode = 0, Resolve = resolve };
        byte[] path = System.Text.Encoding.UTF8.GetBytes(relativePath + "\0");
        for (int attempt = 0; ; attempt++)
        {
            long descriptor;
            int errno;
            bool added = false;
            directory.DangerousAddRef(ref added);
            try
            {
                fixed (byte* pathPointer = path)
                {
                    descriptor = syscall(SysOpenAt2, directory.DangerousGetHandle(), (nint)pathPointer, (nint)(&how), sizeof(OpenHow));
                    errno = Marshal.GetLastPInvokeError();
                }
            }
            finally
            {
                if (added)
                {
                    directory.DangerousRelease();
                }
            }
            if (descriptor >= 0)
            {
                return new SafeFileHandle((nint)descriptor, ownsHandle: true);
            }
            if (errno != EAGAIN || attempt == 3)
            {
                throw new NativeFileException("openat2", errno);
            }
        }
    }

    public static FileStatus Status(SafeFileHandle handle)
    {
        byte* buffer = stackalloc byte[FileStatus.BufferSize];
        new Span<byte>(buffer, FileStatus.BufferSize).Clear();
        if (statx((int)handle.DangerousGetHandle(), "", AtEmptyPath, StatxTypeAndInode, buffer) != 0)
        {
            throw new NativeFileException("statx", Marshal.GetLastPInvokeError());
        }
        GC.KeepAlive(handle);
        return FileStatus.FromStatx(new ReadOnlySpan<byte>(buffer, FileStatus.BufferSize));
    }

    /// <summary>statx(2) of a path, following symlinks and /proc magic links (for <c>/proc/PID/exe</c>: the program itself).</summary>
    public static FileStatus Status(string path)
    {
        byte* buffer = stackalloc byte[FileStatus.BufferSize];
        new Span<byte>(buffer, FileStatus.BufferSize).Clear();
        if (statx(AtCurrentDirectory, path, 0, StatxTypeAndInode, buffer) != 0)
        {
            throw new NativeFileException("statx", Marshal.GetLastPInvokeError());
        }
        return FileStatus.FromStatx(new ReadOnlySpan<byte>(buffer, FileStatus.BufferSize));
    }

    /// <summary>Whether the descriptor can be read at an offset: lseek(2) fails with ESPIPE on pipes and on kernel files opened as streams.</summary>
    public static bool IsSeekable(SafeFileHandle handle)
    {
        long position = lseek((int)handle.DangerousGetHandle(), 0, SeekCurrent);
        GC.KeepAlive(handle);
        return position >= 0;
    }

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    private const int SeekCurrent = 1; // SEEK_CUR

    [LibraryImport("libc", SetLastError = true)]
    private static partial long lseek(int descriptor, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    // syscall(2) is variadic; on x86-64 integer arguments travel in the same registers either way.
    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, nint a1, nint a2, nint a3, nint a4);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int directory, string path, int flags, uint mask, byte* buffer);
}

/// <summary>A file system call failed; <see cref="Errno"/> says why. Internal: callers rephrase it for the user.</summary>
internal sealed class NativeFileException(string call, int errno) : Exception($"{call}: {NativeFiles.Describe(errno)}")
{
    public int Errno { get; } = errno;
}
