using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Probes.Consumer.Targets;

/// <summary>
/// The one place that opens a target's files, so that a later hardening step (opening a
/// process's mappings through <c>/proc/PID/map_files</c> to pin the exact inode) changes
/// only this class. Errors become typed exceptions the CLI can report in one line.
///
/// The file is opened with open(2) and O_NONBLOCK rather than File.OpenHandle: a FIFO given
/// by mistake would otherwise block the open until some writer appears, i.e. hang the CLI.
/// O_NONBLOCK changes nothing for regular files; a FIFO is then refused as unseekable.
/// </summary>
public static partial class TargetFileOpener
{
    private const int ReadOnly = 0x0;            // O_RDONLY
    private const int NoControllingTty = 0x100;  // O_NOCTTY: opening a terminal must not adopt it
    private const int NonBlocking = 0x800;       // O_NONBLOCK (x86-64 and aarch64 Linux)
    private const int CloseOnExec = 0x80000;     // O_CLOEXEC
    private const int ENOENT = 2, EACCES = 13, ENOTDIR = 20, EPERM = 1;

    public static SafeFileHandle Open(TargetFile file)
    {
        if (Directory.Exists(file.HostPath))
        {
            throw new TargetNotFoundException($"{file.HostPath}: is a directory, not an ELF file");
        }
        int descriptor = open(file.HostPath, ReadOnly | NoControllingTty | NonBlocking | CloseOnExec);
        if (descriptor >= 0)
        {
            var handle = new SafeFileHandle(descriptor, ownsHandle: true);
            try
            {
                RandomAccess.GetLength(handle); // positional reads need a seekable file
                return handle;
            }
            catch (NotSupportedException)
            {
                handle.Dispose();
                throw new TargetNotFoundException($"{file.HostPath}: not a regular file (a pipe or socket)");
            }
        }
        int errno = Marshal.GetLastPInvokeError();
        throw errno switch
        {
            ENOENT or ENOTDIR => new TargetNotFoundException($"{file.HostPath}: no such file"),
            EACCES or EPERM => new TargetAccessException($"{file.HostPath}: permission denied (run as root to read other users' files)"),
            // A vanished /proc entry (ESRCH) or anything odd: nothing to read probes from.
            _ => new TargetNotFoundException($"{file.HostPath}: cannot open: {Marshal.GetPInvokeErrorMessage(errno)}"),
        };
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);
}
