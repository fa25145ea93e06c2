using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Probes.Consumer.Targets.Files;

/// <summary>
/// The open flags, resolve flags and errno values of <see cref="IFileCalls"/>, and statx of the
/// real file system for callers that only ask what a path or descriptor is (a program's
/// identity, the kind of an output file). Failures are typed (<see cref="FileErrors"/>).
/// </summary>
internal static class NativeFiles
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

    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, ENXIO = 6, EAGAIN = 11, EACCES = 13, EXDEV = 18, ENOTDIR = 20, ENOSYS = 38, ELOOP = 40;

    /// <summary>statx of a path (symlinks and /proc magic links followed: for <c>/proc/PID/exe</c>, the program itself).</summary>
    public static FileStatus Status(string path) =>
        LibcFileCalls.Instance.TryStatus(path, out FileStatus status, out int errno) ? status : throw FileErrors.Inspecting(path, errno);

    /// <summary>statx of an open descriptor.</summary>
    public static FileStatus Status(SafeFileHandle handle) =>
        LibcFileCalls.Instance.TryStatus(handle, out FileStatus status, out int errno)
            ? status
            : throw FileErrors.Inspecting($"descriptor {handle.DangerousGetHandle()}", errno);

    /// <summary>The C library's words for an errno (strerror).</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
