using System.Globalization;

namespace Probes.Consumer.Targets.Processes;

/// <summary>
/// Who a process is, as <c>/proc/PID/status</c> tells anyone: real, effective, saved and
/// filesystem uid and gid, and its permitted and effective capabilities. Enough to predict the
/// kernel's ptrace read check (<c>__ptrace_may_access</c> with <c>PTRACE_MODE_READ_FSCREDS</c>,
/// which guards <c>/proc/PID/maps</c>, <c>/proc/PID/root</c>, <c>/proc/PID/ns</c> and a uprobe
/// with a pid filter) before we trip over it.
/// </summary>
public sealed record ProcessCredentials(int Pid, uint[] Uids, uint[] Gids, CapabilitySet Permitted, CapabilitySet Effective)
{
    /// <summary>The filesystem uid: the one the kernel compares for /proc reads.</summary>
    public uint FsUid => Uids[3];

    public uint FsGid => Gids[3];

    /// <summary>The real uid, for messages ("uid 0").</summary>
    public uint Uid => Uids[0];

    /// <summary>Reads /proc/PID/status; null when the process is gone (or the line format is not the kernel's).</summary>
    public static ProcessCredentials? Read(int pid, string procRoot = ProcessTarget.DefaultProcRoot)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"{procRoot}/{pid.ToString(CultureInfo.InvariantCulture)}/status");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return Parse(pid, lines);
    }

    /// <summary>Our own credentials (/proc/self/status).</summary>
    public static ProcessCredentials Self(string procRoot = ProcessTarget.DefaultProcRoot) =>
        Read(Environment.ProcessId, procRoot) ?? throw new InvalidOperationException($"cannot read {procRoot}/{Environment.ProcessId}/status");

    public static ProcessCredentials? Parse(int pid, IEnumerable<string> statusLines)
    {
        uint[]? uids = null, gids = null;
        CapabilitySet? permitted = null, effective = null;
        foreach (string line in statusLines)
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }
            string value = line[(colon + 1)..];
            switch (line[..colon])
            {
                case "Uid":
                    uids = Ids(value);
                    break;
                case "Gid":
                    gids = Ids(value);
                    break;
                case "CapPrm":
                    permitted = CapabilitySet.Parse(value);
                    break;
                case "CapEff":
                    effective = CapabilitySet.Parse(value);
                    break;
            }
        }
        return uids is not null && gids is not null && permitted is { } p && effective is { } e ? new ProcessCredentials(pid, uids, gids, p, e) : null;
    }

    /// <summary>
    /// Whether <paramref name="reader"/> passes the kernel's ptrace read check on this process:
    /// with CAP_SYS_PTRACE always; without it only when every uid and gid of this process is the
    /// reader's and this process holds no capability the reader lacks (commoncap's rule).
    /// Not modelled: a process made non-dumpable (setuid programs, prctl), which also needs
    /// CAP_SYS_PTRACE; the kernel's EACCES then still ends in one line.
    /// </summary>
    public bool IsReadableBy(ProcessCredentials reader) =>
        reader.Effective.Has(Capability.SysPtrace) || (IsSameUserAs(reader) && reader.Effective.Covers(Permitted));

    /// <summary>Real, effective and saved uid and gid all equal the reader's filesystem ids.</summary>
    public bool IsSameUserAs(ProcessCredentials reader) =>
        Uids.Take(3).All(uid => uid == reader.FsUid) && Gids.Take(3).All(gid => gid == reader.FsGid);

    private static uint[]? Ids(string value)
    {
        string[] fields = value.Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 4)
        {
            return null;
        }
        var ids = new uint[4];
        for (int i = 0; i < 4; i++)
        {
            if (!uint.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out ids[i]))
            {
                return null;
            }
        }
        return ids;
    }
}
