using System.Globalization;
using Probes.Consumer.Targets.Files;

namespace Probes.Consumer.Targets.Processes;

/// <summary>
/// One line of <c>/proc/PID/maps</c>:
/// <c>start-end perms offset dev inode [path]</c>. The path is everything after the inode
/// (it may contain spaces); the kernel appends " (deleted)" when the file was unlinked.
/// Anonymous mappings have inode 0 and no path or a bracketed name (<c>[heap]</c>, <c>[vdso]</c>).
/// </summary>
public sealed record ProcMapping(ulong Start, ulong End, string Permissions, ulong Offset, string Device, ulong Inode, string Path)
{
    private const string DeletedSuffix = " (deleted)";

    /// <summary>Backed by a file on some file system (not anonymous, not a kernel pseudo mapping).</summary>
    public bool IsFileBacked => Inode != 0 && Path.StartsWith('/');

    /// <summary>The file was unlinked after it was mapped; its path no longer leads to it.</summary>
    public bool IsDeleted => Path.EndsWith(DeletedSuffix, StringComparison.Ordinal);

    /// <summary>Device and inode of the mapped file as the kernel reported them (a parsed line always has a valid device).</summary>
    public FileIdentity Identity => FileIdentity.TryParseMaps(Device, Inode, out FileIdentity identity)
        ? identity
        : throw new FormatException($"maps device field '{Device}' is not MAJOR:MINOR in hex");

    public static bool TryParse(string line, out ProcMapping? mapping)
    {
        mapping = null;
        ReadOnlySpan<char> rest = line;
        if (!TakeField(ref rest, out ReadOnlySpan<char> range)
            || !TakeField(ref rest, out ReadOnlySpan<char> permissions)
            || !TakeField(ref rest, out ReadOnlySpan<char> offset)
            || !TakeField(ref rest, out ReadOnlySpan<char> device)
            || !TakeField(ref rest, out ReadOnlySpan<char> inode))
        {
            return false;
        }
        int dash = range.IndexOf('-');
        if (dash < 0
            || !ulong.TryParse(range[..dash], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong start)
            || !ulong.TryParse(range[(dash + 1)..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong end)
            || !ulong.TryParse(offset, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong fileOffset)
            || !ulong.TryParse(inode, NumberStyles.None, CultureInfo.InvariantCulture, out ulong inodeNumber)
            || !FileIdentity.TryParseMaps(device, inodeNumber, out _))
        {
            return false;
        }
        mapping = new ProcMapping(start, end, permissions.ToString(), fileOffset, device.ToString(), inodeNumber, rest.TrimStart(' ').ToString());
        return true;
    }

    private static bool TakeField(ref ReadOnlySpan<char> rest, out ReadOnlySpan<char> field)
    {
        rest = rest.TrimStart(' ');
        int space = rest.IndexOf(' ');
        field = space < 0 ? rest : rest[..space];
        rest = space < 0 ? [] : rest[space..];
        return !field.IsEmpty;
    }
}
