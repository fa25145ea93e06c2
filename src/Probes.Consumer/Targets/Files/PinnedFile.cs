using Microsoft.Win32.SafeHandles;

namespace Probes.Consumer.Targets.Files;

/// <summary>How a pinned file was reached, for verbose output and messages.</summary>
public enum PinRoute
{
    /// <summary>A path the user gave, opened as given (symlinks followed: the user chose it).</summary>
    UserPath,

    /// <summary><c>/proc/PID/map_files/START-END</c>: the mapped file itself.</summary>
    MapFiles,

    /// <summary>The mapped path resolved inside the process's root (openat2 RESOLVE_IN_ROOT), identity checked.</summary>
    ProcessRoot,

    /// <summary>A path beneath a directory with no symlink in any component (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS).</summary>
    Beneath,
}

/// <summary>
/// One target file held open from the moment it is found until the uprobes on it are attached,
/// so that the notes read and the inode attached to are the same file whatever happens to its
/// path meanwhile. The kernel is given <see cref="KernelPath"/>, <c>/proc/self/fd/N</c>: a magic
/// link that resolves to exactly this open file. Users and JSON still see the target's own path.
/// </summary>
public sealed class PinnedFile : IDisposable
{
    public PinnedFile(SafeFileHandle handle, FileIdentity identity, PinRoute route)
    {
        Handle = handle;
        Identity = identity;
        Route = route;
        KernelPath = $"/proc/self/fd/{handle.DangerousGetHandle()}";
    }

    /// <summary>Readable (O_RDONLY) descriptor of the file; owned by this object.</summary>
    public SafeFileHandle Handle { get; }

    /// <summary>Device and inode of the open file (statx on the descriptor).</summary>
    public FileIdentity Identity { get; }

    public PinRoute Route { get; }

    /// <summary>What perf_event_open gets as the uprobe's path: valid only while this object is not disposed.</summary>
    public string KernelPath { get; }

    public bool IsClosed => Handle.IsClosed;

    /// <summary>
    /// A handle on the same descriptor that does not close it, for readers that close what they
    /// are given (ElfFile, FileStream): the descriptor stays open for the attach.
    /// </summary>
    public SafeFileHandle BorrowHandle() => new(Handle.DangerousGetHandle(), ownsHandle: false);

    public void Dispose() => Handle.Dispose();
}
