using Probes.Consumer.Targets.Processes;
using static Probes.Consumer.Targets.Files.NativeFiles;

namespace Probes.Consumer.Targets.Files;

/// <summary>
/// The one place an errno from a target's file call (<see cref="IFileCalls"/>) becomes the
/// operator's typed exception. The errno decides the type: gone is
/// <see cref="TargetNotFoundException"/>, refused is <see cref="TargetAccessException"/>, a
/// symlink or a way out where none is allowed is <see cref="TargetIdentityException"/>. What was
/// being done decides the words: ELOOP means a symlink component under RESOLVE_NO_SYMLINKS but a
/// magic link under RESOLVE_NO_MAGICLINKS. Every message names the file as the user knows it.
/// </summary>
internal static class FileErrors
{
    /// <summary>Opening a file by a name failed.</summary>
    public static ProbesException Opening(string shownAs, int errno) => errno switch
    {
        ENOENT or ENOTDIR => new TargetNotFoundException($"{shownAs}: no such file"),
        EACCES or EPERM => new TargetAccessException($"{shownAs}: permission denied (run as root to read other users' files)"),
        // A vanished /proc entry (ESRCH) or anything odd: nothing to read probes from.
        _ => new TargetNotFoundException($"{shownAs}: cannot open: {Describe(errno)}"),
    };

    /// <summary>statx of an open descriptor or a path failed.</summary>
    public static ProbesException Inspecting(string shownAs, int errno) => errno switch
    {
        EACCES or EPERM => new TargetAccessException($"{shownAs}: cannot inspect: permission denied"),
        _ => new TargetNotFoundException($"{shownAs}: cannot inspect: {Describe(errno)}"),
    };

    /// <summary>openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS under an image layer failed.</summary>
    public static ProbesException OpeningBeneath(string shownAs, string directory, int errno) => errno switch
    {
        ELOOP => new TargetIdentityException($"refusing {shownAs}: a component of its path inside {directory} is a symlink"),
        EXDEV => new TargetIdentityException($"refusing {shownAs}: its path leads out of {directory}"),
        ENOSYS => new TargetAccessException($"{shownAs}: this kernel has no openat2 (Linux 5.6) to open it without following symlinks"),
        _ => Opening(shownAs, errno),
    };

    /// <summary>openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS inside a process's root failed (the fallback when map_files is refused).</summary>
    public static ProbesException OpeningInProcessRoot(MappedRegion mapping, string path, string hostPath, int errno) => errno switch
    {
        ELOOP => new TargetIdentityException($"pid {mapping.Pid}: refusing {path}: resolving it inside the process's root meets a /proc magic link or a symlink loop"),
        EXDEV => new TargetIdentityException($"pid {mapping.Pid}: refusing {path}: resolving it leads out of the process's root"),
        ENOSYS => new TargetAccessException($"pid {mapping.Pid}: {path}: reading another process's files needs CAP_SYS_ADMIN (for /proc/{mapping.Pid}/map_files) on a kernel without openat2 (before Linux 5.6); run as root"),
        _ => Opening(hostPath, errno),
    };

    /// <summary>Opening <c>/proc/PID/root</c> failed.</summary>
    public static ProbesException OpeningProcessRoot(MappedRegion mapping, int errno) => errno switch
    {
        ENOENT or ESRCH => new TargetNotFoundException($"process {mapping.Pid} exited while being read"),
        EPERM or EACCES => new TargetAccessException($"cannot open {mapping.RootPath}: permission denied (run as root to inspect other users' processes)"),
        _ => new TargetNotFoundException($"{mapping.RootPath}: cannot open: {Describe(errno)}"),
    };

    /// <summary>Opening <c>/proc/PID/map_files/START-END</c> failed for a reason other than our privileges (those fall back to the process root).</summary>
    public static ProbesException OpeningMapFiles(MappedRegion mapping, string path, int errno) => errno switch
    {
        ENOENT or ESRCH => new TargetNotFoundException($"pid {mapping.Pid}: {path} is no longer mapped (the process unmapped it or exited)"),
        _ => new TargetNotFoundException($"{mapping.MapFilesPath}: cannot open: {Describe(errno)}"),
    };
}
