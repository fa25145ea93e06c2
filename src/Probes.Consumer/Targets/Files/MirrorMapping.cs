using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Targets.Files;

/// <summary>
/// The identity the kernel prints in /proc/PID/maps for a mapping of an open file, found by
/// mapping one page of it here and reading our own /proc/self/maps. Needed because kernels
/// before 6.8 print the identity of the file underneath an overlayfs file (the inode a uprobe
/// lands on), while statx on the open overlay file reports the overlay's device: comparing
/// like with like means asking the kernel the same question it answered for the target.
/// </summary>
internal static partial class MirrorMapping
{
    private const int ProtRead = 0x1;     // PROT_READ
    private const int MapPrivate = 0x2;   // MAP_PRIVATE
    private static readonly nint MapFailed = -1;

    /// <summary>The identity our maps shows for a private read-only page of <paramref name="handle"/>, or null if it cannot be mapped.</summary>
    public static FileIdentity? IdentityOf(SafeFileHandle handle)
    {
        nint address = mmap(0, 1, ProtRead, MapPrivate, (int)handle.DangerousGetHandle(), 0);
        GC.KeepAlive(handle);
        if (address == MapFailed)
        {
            return null;
        }
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                if (ProcMapping.TryParse(line, out ProcMapping? mapping) && mapping!.Start == (ulong)address)
                {
                    return mapping.Identity;
                }
            }
            return null;
        }
        finally
        {
            _ = munmap(address, 1);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint mmap(nint address, nuint length, int protection, int flags, int descriptor, long offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int munmap(nint address, nuint length);
}
