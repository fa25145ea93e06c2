using System.Globalization;

namespace Probes.Consumer.Targets.Files;

/// <summary>
/// Which file, independent of its name: the device of its file system (major:minor) and its
/// inode number. <c>/proc/PID/maps</c> prints them as <c>fd:01 1320142</c> (major and minor in
/// hex, from the kernel's MAJOR()/MINOR() of the superblock's device); statx on an open
/// descriptor reports the same three numbers (<see cref="FileStatus"/>). Two names lead to the
/// same file exactly when their identities are equal, which is what a path that may have been
/// swapped, symlinked or mounted over must be checked against.
/// </summary>
public readonly record struct FileIdentity(uint Major, uint Minor, ulong Inode)
{
    /// <summary>Parses the <c>dev</c> and <c>inode</c> fields of a maps line (<c>00:28</c>, <c>fd:01</c>, <c>103:1a5</c>).</summary>
    public static bool TryParseMaps(ReadOnlySpan<char> device, ulong inode, out FileIdentity identity)
    {
        identity = default;
        int colon = device.IndexOf(':');
        if (colon <= 0
            || !uint.TryParse(device[..colon], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint major)
            || !uint.TryParse(device[(colon + 1)..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint minor))
        {
            return false;
        }
        identity = new FileIdentity(major, minor, inode);
        return true;
    }

    /// <summary>From a kernel-internal <c>dev_t</c> (<c>MKDEV</c>: major in the top 12 bits, minor in the low 20) and an inode number.</summary>
    public static FileIdentity FromKernelDevice(uint device, ulong inode) => new(device >> 20, device & 0xfffff, inode);

    /// <summary>In the notation of /proc/PID/maps, so an operator can compare it with that file by eye.</summary>
    public override string ToString() => $"dev {Major:x2}:{Minor:x2} inode {Inode}";
}
