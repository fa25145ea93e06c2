using Microsoft.Win32.SafeHandles;

namespace Probes.Consumer.Targets.Files;

/// <summary>
/// Every file system call Targets makes that .NET does not offer goes through this seam, as the
/// engine's kernel calls go through <see cref="Bpf.Syscalls.ISyscalls"/>: open(2) with O_PATH,
/// openat2(2) with its RESOLVE_* flags, statx(2), lseek(2), a one-page mmap(2) and reading our own
/// <c>/proc/self/maps</c>. Tests put a fake file system here and reach every refusal of
/// <see cref="TargetFileOpener"/> without root. Nothing here throws: a failed call returns null
/// (or false, or -1) with <c>errno</c> set, and <see cref="FileErrors"/> alone turns that into the
/// operator's typed exception. A fake hands out handles that do not own a real descriptor.
/// </summary>
public interface IFileCalls
{
    /// <summary><c>open(path, flags)</c>: the descriptor, owned by the handle; null with errno on failure.</summary>
    SafeFileHandle? Open(string path, int flags, out int errno);

    /// <summary><c>openat2(directory, relativePath, {flags, 0, resolve})</c>; null with errno on failure (one attempt: EAGAIN is the caller's to retry).</summary>
    SafeFileHandle? OpenAt2(SafeFileHandle directory, string relativePath, int flags, ulong resolve, out int errno);

    /// <summary><c>statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_INO)</c>.</summary>
    bool TryStatus(SafeFileHandle handle, out FileStatus status, out int errno);

    /// <summary><c>statx(AT_FDCWD, path, 0, ...)</c>, following symlinks and /proc magic links.</summary>
    bool TryStatus(string path, out FileStatus status, out int errno);

    /// <summary>Whether <c>lseek(fd, 0, SEEK_CUR)</c> succeeds: it fails (ESPIPE) on pipes and on kernel files opened as streams.</summary>
    bool IsSeekable(SafeFileHandle handle);

    /// <summary><c>mmap(NULL, 1, PROT_READ, MAP_PRIVATE, fd, 0)</c>: the address, or -1 when the file cannot be mapped.</summary>
    nint MapPage(SafeFileHandle handle);

    /// <summary><c>munmap(address, 1)</c> of a page from <see cref="MapPage"/>.</summary>
    void Unmap(nint address);

    /// <summary>The lines of our own <c>/proc/self/maps</c>, read when enumerated.</summary>
    IEnumerable<string> OwnMaps();
}
