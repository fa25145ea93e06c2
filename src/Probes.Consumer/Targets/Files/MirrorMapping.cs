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
internal static class MirrorMapping
{
    /// <summary>The identity our maps shows for a private read-only page of <paramref name="handle"/>, or null if it cannot be mapped.</summary>
    public static FileIdentity? IdentityOf(SafeFileHandle handle) => IdentityOf(handle, LibcFileCalls.Instance);

    public static FileIdentity? IdentityOf(SafeFileHandle handle, IFileCalls calls)
    {
        nint address = calls.MapPage(handle);
        if (address == -1)
        {
            return null;
        }
        try
        {
            foreach (string line in calls.OwnMaps())
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
            calls.Unmap(address);
        }
    }
}
