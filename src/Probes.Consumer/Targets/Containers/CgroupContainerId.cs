namespace Probes.Consumer.Targets.Containers;

/// <summary>
/// Finds the container id in a line of <c>/proc/PID/cgroup</c>
/// (<c>hierarchy-id:controllers:path</c>, v1 and v2 alike). Runtimes name a container's
/// cgroup in a handful of ways; the id is 64 lowercase hex digits in all of them:
/// <list type="bullet">
/// <item>podman, systemd manager: <c>/machine.slice/libpod-ID.scope</c> (maybe with a <c>/container</c> child);</item>
/// <item>podman, cgroupfs manager: <c>/libpod_parent/libpod-ID</c> (conmon sits in <c>/libpod_parent/conmon</c>);</item>
/// <item>docker: <c>/system.slice/docker-ID.scope</c> or <c>/docker/ID</c>;</item>
/// <item>containerd (CRI): <c>.../cri-containerd-ID.scope</c>;</item>
/// <item>CRI-O: <c>.../crio-ID.scope</c> (its conmon is in <c>crio-conmon-ID.scope</c>, which is not the container);</item>
/// <item>Kubernetes cgroupfs driver: <c>/kubepods/burstable/podUID/ID</c>.</item>
/// </list>
/// The path is read from the root downwards and the outermost container wins: the runtime chose
/// that cgroup, while anything below it may be a cgroup the container made itself (delegation),
/// named to look like another container's (<c>.../libpod-A/libpod-B</c> is container A, not B).
/// A runtime's own inner cgroup (<c>.../libpod-ID.scope/container</c>) resolves the same way.
/// Monitor processes (conmon) carry no id and are not part of the container.
/// </summary>
public static class CgroupContainerId
{
    public const int IdLength = 64;

    private static readonly string[] RuntimePrefixes = ["libpod-", "docker-", "cri-containerd-", "crio-"];

    /// <summary>The container id in one cgroup line, or null when the line names no container.</summary>
    public static string? FromLine(string line)
    {
        // The path is the third field; it may itself contain ':' (containerd's systemd form), so split twice only.
        string[] fields = line.Split(':', 3);
        if (fields.Length != 3)
        {
            return null;
        }
        string[] segments = fields[2].Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < segments.Length; i++)
        {
            if (FromSegment(segments, i) is { } id)
            {
                return id;
            }
        }
        return null;
    }

    /// <summary>The first container id among the lines of a cgroup file, or null.</summary>
    public static string? FromFile(IEnumerable<string> lines)
    {
        foreach (string line in lines)
        {
            if (FromLine(line) is { } id)
            {
                return id;
            }
        }
        return null;
    }

    private static string? FromSegment(string[] segments, int index)
    {
        string segment = segments[index];
        if (segment.EndsWith(".scope", StringComparison.Ordinal))
        {
            segment = segment[..^".scope".Length];
        }
        foreach (string prefix in RuntimePrefixes)
        {
            if (segment.StartsWith(prefix, StringComparison.Ordinal) && IsId(segment.AsSpan(prefix.Length)))
            {
                return segment[prefix.Length..];
            }
        }
        // A bare id directly under /docker/ or under a Kubernetes pod cgroup (cgroupfs driver).
        if (IsId(segment) && index > 0 && (segments[index - 1] == "docker" || segments[index - 1].StartsWith("pod", StringComparison.Ordinal)))
        {
            return segment;
        }
        return null;
    }

    /// <summary>A full container id: 64 lower-case hex digits, as runtimes name containers.</summary>
    public static bool IsId(ReadOnlySpan<char> text) =>
        text.Length == IdLength && !text.ContainsAnyExcept("0123456789abcdef");
}
