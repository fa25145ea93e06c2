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
/// </summary>
public static class TargetFileOpener
{
    private const int Locate = PathOnly | CloseOnExec;
    private const int ReadFlags = ReadOnly | NoControllingTty | NonBlocking | CloseOnExec;

    /// <summary>Pins a target file: through its mapping when it was found in a process, else as the path names it.</summary>
    public static PinnedFile Pin(TargetFile file) => file.Mapping is { } mapping
        ? PinMapped(file.Path, file.HostPath, mapping, useMapFiles: true)
        : PinPath(file.HostPath);

    /// <summary>A readable descriptor of the file, for a quick look (the caller owns it).</summary>
    public static SafeFileHandle Open(TargetFile file) => Pin(file).Handle;

    /// <summary>A file the user named: opened as given (following symlinks is the user's choice), pinned so the read and the attach see one inode.</summary>
    public static PinnedFile PinPath(string path)
    {
        SafeFileHandle located;
        try
        {
            located = NativeFiles.Open(path, Locate);
        }
        catch (NativeFileException e)
        {
            throw OpenError(e.Errno, path);
        }
        return Finish(located, path, PinRoute.UserPath, expected: null);
    }

    /// <summary>
    /// A file found at <paramref name="relativePath"/> under <paramref name="directory"/> (an image
    /// layer): no component may be a symlink and the walk may not leave the directory, so what
    /// was found by listing the layer is what is opened.
    /// </summary>
    public static PinnedFile PinBeneath(string directory, string relativePath, string shownAs)
    {
        using SafeFileHandle root = OpenDirectory(directory);
        SafeFileHandle located;
        try
        {
            located = OpenAt2(root, relativePath, Locate, ResolveBeneath | ResolveNoSymlinks);
        }
        catch (NativeFileException e)
        {
            throw e.Errno switch
            {
                ELOOP => new TargetIdentityException($"refusing {shownAs}: a component of its path inside {directory} is a symlink"),
                EXDEV => new TargetIdentityException($"refusing {shownAs}: its path leads out of {directory}"),
                ENOSYS => new TargetAccessException($"{shownAs}: this kernel has no openat2 (Linux 5.6) to open it without following symlinks"),
                _ => OpenError(e.Errno, shownAs),
            };
        }
        return Finish(located, shownAs, PinRoute.Beneath, expected: null);
    }

    /// <summary>The file a process maps, as described by <paramref name="mapping"/>; <paramref name="useMapFiles"/> false forces the fallback (tests).</summary>
    internal static PinnedFile PinMapped(string path, string hostPath, MappedRegion mapping, bool useMapFiles)
    {
        SafeFileHandle? located = useMapFiles ? TryMapFiles(path, mapping) : null;
        PinRoute route = located is null ? PinRoute.ProcessRoot : PinRoute.MapFiles;
        located ??= InProcessRoot(path, hostPath, mapping);
        return Finish(located, hostPath, route, expected: (mapping, path));
    }

    /// <summary>The exact mapped file, or null when map_files is refused to us (no CAP_SYS_ADMIN).</summary>
    private static SafeFileHandle? TryMapFiles(string path, MappedRegion mapping)
    {
        try
        {
            return NativeFiles.Open(mapping.MapFilesPath, Locate);
        }
        catch (NativeFileException e) when (e.Errno is EPERM or EACCES)
        {
            return null;
        }
        catch (NativeFileException e) when (e.Errno is ENOENT or ESRCH)
        {
            throw new TargetNotFoundException($"pid {mapping.Pid}: {path} is no longer mapped (the process unmapped it or exited)");
        }
        catch (NativeFileException e)
        {
            throw new TargetNotFoundException($"{mapping.MapFilesPath}: cannot open: {Describe(e.Errno)}");
        }
    }

    private static SafeFileHandle InProcessRoot(string path, string hostPath, MappedRegion mapping)
    {
        SafeFileHandle root;
        try
        {
            root = NativeFiles.Open(mapping.RootPath, Locate);
        }
        catch (NativeFileException e)
        {
            throw e.Errno switch
            {
                ENOENT or ESRCH => new TargetNotFoundException($"process {mapping.Pid} exited while being read"),
                EPERM or EACCES => new TargetAccessException($"cannot open {mapping.RootPath}: permission denied (run as root to inspect other users' processes)"),
                _ => new TargetNotFoundException($"{mapping.RootPath}: cannot open: {Describe(e.Errno)}"),
            };
        }
        using (root)
        {
            try
            {
                return OpenAt2(root, path.TrimStart('/'), Locate, ResolveInRoot | ResolveNoMagicLinks);
            }
            catch (NativeFileException e)
            {
                throw e.Errno switch
                {
                    ELOOP => new TargetIdentityException($"pid {mapping.Pid}: refusing {path}: resolving it inside the process's root meets a /proc magic link or a symlink loop"),
                    ENOSYS => new TargetAccessException($"pid {mapping.Pid}: {path}: reading another process's files needs CAP_SYS_ADMIN (for /proc/{mapping.Pid}/map_files) on a kernel without openat2 (before Linux 5.6); run as root"),
                    _ => OpenError(e.Errno, hostPath),
                };
            }
        }
    }

    /// <summary>
    /// Checks the located file's type and (for a mapped file) its identity, then reopens it for
    /// reading through its own descriptor: the readable descriptor is the same file by construction.
    /// </summary>
    private static PinnedFile Finish(SafeFileHandle located, string shownAs, PinRoute route, (MappedRegion Region, string Path)? expected)
    {
        SafeFileHandle readable;
        using (located)
        {
            FileStatus status = StatusOf(located, shownAs);
            if (status.IsDirectory)
            {
                throw new TargetNotFoundException($"{shownAs}: is a directory, not an ELF file");
            }
            if (!status.IsRegularFile)
            {
                throw new TargetNotFoundException($"{shownAs}: not a regular file ({(status.IsDevice ? "a device" : "a pipe or socket")})");
            }
            try
            {
                readable = NativeFiles.Open($"/proc/self/fd/{located.DangerousGetHandle()}", ReadFlags);
            }
            catch (NativeFileException e)
            {
                throw OpenError(e.Errno, shownAs);
            }
        }
        try
        {
            if (!IsSeekable(readable))
            {
                // Regular by type, yet a stream (tracefs's trace_pipe and its like): reading it at
                // offsets fails, and reading it in order would wait for the kernel's next line.
                throw new TargetNotFoundException($"{shownAs}: not a regular file (a kernel interface that cannot be read at an offset)");
            }
            FileIdentity found = StatusOf(readable, shownAs).Identity;
            if (expected is { } mapped && found != mapped.Region.Identity)
            {
                // Kernels before 6.8 print the identity of the file under an overlayfs file;
                // ask the same question of our own mapping of the file before refusing it.
                FileIdentity? asMapped = MirrorMapping.IdentityOf(readable);
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

    private static FileStatus StatusOf(SafeFileHandle handle, string shownAs)
    {
        try
        {
            return Status(handle);
        }
        catch (NativeFileException e)
        {
            throw new TargetNotFoundException($"{shownAs}: cannot inspect: {Describe(e.Errno)}");
        }
    }

    private static SafeFileHandle OpenDirectory(string directory)
    {
        try
        {
            return NativeFiles.Open(directory, Locate);
        }
        catch (NativeFileException e)
        {
            throw OpenError(e.Errno, directory);
        }
    }

    private static ProbesException OpenError(int errno, string shownAs) => errno switch
    {
        ENOENT or ENOTDIR => new TargetNotFoundException($"{shownAs}: no such file"),
        EACCES or EPERM => new TargetAccessException($"{shownAs}: permission denied (run as root to read other users' files)"),
        // A vanished /proc entry (ESRCH) or anything odd: nothing to read probes from.
        _ => new TargetNotFoundException($"{shownAs}: cannot open: {Describe(errno)}"),
    };
}
