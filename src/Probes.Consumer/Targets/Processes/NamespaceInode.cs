using System.Globalization;

namespace Probes.Consumer.Targets.Processes;

/// <summary>
/// The inode number of a process's namespace, from the link <c>/proc/PID/ns/KIND</c>, whose
/// target reads <c>KIND:[INODE]</c> (namespaces(7)). Reading the link text needs no open and
/// no stat of the namespace file, so it works on a recorded tree as well as on the real /proc.
/// </summary>
public static class NamespaceInode
{
    public static ulong? Read(string procRoot, int pid, string kind)
    {
        string? target;
        try
        {
            target = new FileInfo($"{procRoot}/{pid.ToString(CultureInfo.InvariantCulture)}/ns/{kind}").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // exited, or hidden from us: the caller shows "unknown"
        }
        return target is null ? null : Parse(target, kind);
    }

    /// <summary>Parses <c>pid:[4026532180]</c>; null when the text is not of that form for <paramref name="kind"/>.</summary>
    public static ulong? Parse(string linkTarget, string kind)
    {
        string prefix = kind + ":[";
        if (!linkTarget.StartsWith(prefix, StringComparison.Ordinal) || !linkTarget.EndsWith(']'))
        {
            return null;
        }
        return ulong.TryParse(linkTarget.AsSpan(prefix.Length, linkTarget.Length - prefix.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode)
            ? inode
            : null;
    }
}
