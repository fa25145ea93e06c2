using Microsoft.Win32.SafeHandles;
using Probes.Consumer.Targets.Processes;
using static Probes.Consumer.Targets.Files.NativeFiles;

namespace Probes.Consumer.Targets.Files;

/// <summary>
/// The one place that opens a target's files. Each file is pinned once: opened, checked, and
/// then read and attached to through that same descriptor (<see cref="PinnedFile"/>), so a path
/// changed between the read and the attach cannot redirect either.
///
/// A file a process maps is never opened by the path <c>/proc/PID/root</c> + its name: an
/// absolute symlink there resolves against the HOST's root, and a mount inside the container
/// can hide the mapped file under another one. Instead:
/// 1. <c>/proc/PID/map_files/START-END</c>, the kernel's link to the mapped file itself
///    (needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE, which root has);
/// 2. if that is refused, the name resolved inside the process's root with openat2
///    RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, so absolute symlinks stay inside the container.
/// Either way the opened file's device and inode must equal the ones /proc/PID/maps reported,
/// or the file is refused (<see cref="TargetIdentityException"/>).
///
/// Every open is O_PATH first: the type is checked (a FIFO, socket or device is never opened
/// for real, so opening it can neither block nor reach a driver) before the file is reopened
/// for reading through its own descriptor, which must be seekable (a kernel pseudo-file such
/// as tracefs's trace_pipe is "regular" by type but a stream).
///
/// Every call goes through <see cref="IFileCalls"/> (the real file system unless a test passes
/// its own), and every failure is typed by <see cref="FileErrors"/>.
/// </summary>
public static class TargetFileOpener
{
    /// <summary>
    /// Attempts of an openat2 that fails with EAGAIN, which the kernel returns when a concurrent
    /// rename could have let ".." escape: a target renaming in a loop must not keep us retrying.
    /// </summary>
    internal const int OpenAt2Attempts = 4;

    private const int Locate = PathOnly | CloseOnExec;
    private const int ReadFlags = ReadOnly | NoControllingTty | NonBlocking | CloseOnExec;

    /// <summary>Pins a target file: through its mapping when it was found in a process, else as the path names it.</summary>
    public static PinnedFile Pin(TargetFile file) => Pin(file, LibcFileCalls.Instance);

    internal static PinnedFile Pin(TargetFile file, IFileCalls calls) => file.Mapping is { } mapping
        ? PinMapped(file.Path, file.HostPath, mapping, useMapFiles: true, calls)
        : PinPath(file.HostPath, calls);

    /// <summary>A readable descriptor of the file, for a quick look (the caller owns it).</summary>
    public static SafeFileHandle Open(TargetFile file) => Pin(file).Handle;

    /// <summary>A file the user named: opened as given (following symlinks is the user's choice), pinned so the read and the attach see one inode.</summary>
    public static PinnedFile PinPath(string path) => PinPath(path, LibcFileCalls.Instance);

    internal static PinnedFile PinPath(string path, IFileCalls calls)
    {
        SafeFileHandle located = calls.Open(path, Locate, out int errno) ?? throw FileErrors.Opening(path, errno);
        return Finish(calls, located, path, PinRoute.UserPath, expected: null);
    }

    /// <summary>
    /// A file found at <paramref name="relativePath"/> under <paramref name="directory"/> (an image
    /// layer): no component may be a symlink and the walk may not leave the directory, so what
    /// was found by listing the layer is what is opened.
    /// </summary>
    public static PinnedFile PinBeneath(string directory, string relativePath, string shownAs) =>
        PinBeneath(directory, relativePath, shownAs, LibcFileCalls.Instance);

    internal static PinnedFile PinBeneath(string directory, string relativePath, string shownAs, IFileCalls calls)
    {
        SafeFileHandle located;
        using (SafeFileHandle root = calls.Open(directory, Locate, out int errno) ?? throw FileErrors.Opening(directory, errno))
        {
            located = OpenResolved(calls, root, relativePath, ResolveBeneath | ResolveNoSymlinks, out errno)
                ?? throw FileErrors.OpeningBeneath(shownAs, directory, errno);
        }
        return Finish(calls, located, shownAs, PinRoute.Beneath, expected: null);
    }

    /// <summary>The file a process maps, as described by <paramref name="mapping"/>; <paramref name="useMapFiles"/> false forces the fallback (tests).</summary>
    internal static PinnedFile PinMapped(string path, string hostPath, MappedRegion mapping, bool useMapFiles) =>
        PinMapped(path, hostPath, mapping, useMapFiles, LibcFileCalls.Instance);

    internal static PinnedFile PinMapped(string path, string hostPath, MappedRegion mapping, bool useMapFiles, IFileCalls calls)
    {
        SafeFileHandle? located = useMapFiles ? TryMapFiles(calls, path, mapping) : null;
        PinRoute route = located is null ? PinRoute.ProcessRoot : PinRoute.MapFiles;
        located ??= InProcessRoot(calls, path, hostPath, mapping);
        return Finish(calls, located, hostPath, route, expected: (mapping, path));
    }

    /// <summary>The exact mapped file, or null when map_files is refused to us (no CAP_SYS_ADMIN).</summary>
    private static SafeFileHandle? TryMapFiles(IFileCalls calls, string path, MappedRegion mapping) =>
        calls.Open(mapping.MapFilesPath, Locate, out int errno) switch
        {
            { } located => located,
            null when errno is EPERM or EACCES => null,
            null => throw FileErrors.OpeningMapFiles(mapping, path, errno),
        };

    private static SafeFileHandle InProcessRoot(IFileCalls calls, string path, string hostPath, MappedRegion mapping)
    {
        using SafeFileHandle root = calls.Open(mapping.RootPath, Locate, out int errno) ?? throw FileErrors.OpeningProcessRoot(mapping, errno);
        return OpenResolved(calls, root, path.TrimStart('/'), ResolveInRoot | ResolveNoMagicLinks, out errno)
            ?? throw FileErrors.OpeningInProcessRoot(mapping, path, hostPath, errno);
    }

    /// <summary>openat2 for a located (O_PATH) handle, retried a bounded number of times on EAGAIN.</summary>
    private static SafeFileHandle? OpenResolved(IFileCalls calls, SafeFileHandle directory, string relativePath, ulong resolve, out int errno)
    {
        for (int attempt = 1; ; attempt++)
        {
            SafeFileHandle? located = calls.OpenAt2(directory, relativePath, Locate, resolve, out errno);
            if (located is not null || errno != EAGAIN || attempt == OpenAt2Attempts)
            {
                return located;
            }
        }
    }

    /// <summary>
    /// Checks the located file's type and (for a mapped file) its identity, then reopens it for
    /// reading through its own descriptor: the readable descriptor is the same file by construction.
    /// </summary>
    private static PinnedFile Finish(IFileCalls calls, SafeFileHandle located, string shownAs, PinRoute route, (MappedRegion Region, string Path)? expected)
    {
        SafeFileHandle readable;
        using (located)
        {
            FileStatus status = StatusOf(calls, located, shownAs);
            if (status.IsDirectory)
            {
                throw new TargetNotFoundException($"{shownAs}: is a directory, not an ELF file");
            }
            if (!status.IsRegularFile)
            {
                throw new TargetNotFoundException($"{shownAs}: not a regular file ({(status.IsDevice ? "a device" : "a pipe or socket")})");
            }
            readable = calls.Open($"/proc/self/fd/{located.DangerousGetHandle()}", ReadFlags, out int errno) ?? throw FileErrors.Opening(shownAs, errno);
        }
        try
        {
            if (!calls.IsSeekable(readable))
            {
                // Regular by type, yet a stream (tracefs's trace_pipe and its like): reading it at
                // offsets fails, and reading it in order would wait for the kernel's next line.
                throw new TargetNotFoundException($"{shownAs}: not a regular file (a kernel interface that cannot be read at an offset)");
            }
            FileIdentity found = StatusOf(calls, readable, shownAs).Identity;
            if (expected is { } mapped && found != mapped.Region.Identity)
            {
                // Kernels before 6.8 print the identity of the file under an overlayfs file;
                // ask the same question of our own mapping of the file before refusing it.
                FileIdentity? asMapped = MirrorMapping.IdentityOf(readable, calls);
                if (asMapped != mapped.Region.Identity)
                {
                    string where = route == PinRoute.MapFiles ? $"through {mapped.Region.ProcRoot}/{mapped.Region.Pid}/map_files" : "inside the process's root";
                    throw new TargetIdentityException(
                        $"pid {mapped.Region.Pid}: refusing {mapped.Path}: the file opened {where} ({asMapped ?? found}) is not the file the process maps ({mapped.Region.Identity})");
                }
            }
            return new PinnedFile(readable, found, route);
        }
        catch
        {
            readable.Dispose();
            throw;
        }
    }

    private static FileStatus StatusOf(IFileCalls calls, SafeFileHandle handle, string shownAs) =>
        calls.TryStatus(handle, out FileStatus status, out int errno) ? status : throw FileErrors.Inspecting(shownAs, errno);
}
