using Microsoft.Win32.SafeHandles;

namespace Probes.Consumer.Targets;

/// <summary>
/// The one place that opens a target's files, so that a later hardening step (opening a
/// process's mappings through <c>/proc/PID/map_files</c> to pin the exact inode) changes
/// only this class. Errors become typed exceptions the CLI can report in one line.
/// </summary>
public static class TargetFileOpener
{
    public static SafeFileHandle Open(TargetFile file)
    {
        if (Directory.Exists(file.HostPath))
        {
            throw new TargetNotFoundException($"{file.HostPath}: is a directory, not an ELF file");
        }
        try
        {
            return File.OpenHandle(file.HostPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TargetNotFoundException($"{file.HostPath}: no such file");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new TargetAccessException($"{file.HostPath}: permission denied (run as root to read other users' files)", e);
        }
        catch (IOException e)
        {
            // A directory, a FIFO, a vanished /proc entry: nothing to read probes from.
            throw new TargetNotFoundException($"{file.HostPath}: cannot open: {e.Message}");
        }
    }
}
