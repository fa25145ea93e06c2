using Probes.Consumer.Targets.Files;

namespace Probes.Consumer.Agent;

/// <summary>
/// What an open file shows of itself without reading it: inode number, size and modification
/// time, the device left out. Every container of an image opens the shim through its own overlay
/// mount (another device each time) but, with the image's layers on one filesystem, sees the lower
/// file's inode number; so this look, taken from a file already attached, tells that a new
/// container's copy is that file without reading its ELF notes or asking the kernel which inode
/// backs it (a BPF iterator). A false match (layers on several filesystems whose inode numbers,
/// sizes and times all collide) costs only time: the container's copy is then found attached late,
/// by the next /proc scan, which asks the kernel.
/// </summary>
public readonly record struct FileLook(ulong Inode, long Length, DateTime Modified)
{
    public static FileLook? Of(PinnedFile file)
    {
        try
        {
            return new FileLook(file.Identity.Inode, RandomAccess.GetLength(file.Handle), File.GetLastWriteTimeUtc(file.Handle));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            return null;
        }
    }
}
