namespace Probes.Consumer.Agent;

/// <summary>
/// Paths a hook names are the host's (bundles, root filesystems). An agent in a container (a
/// DaemonSet pod with hostPID) has its own mount namespace, where those paths do not exist, but
/// it reaches the host's through <c>/proc/1/root</c> (pid 1 is the host's init when the pid
/// namespace is the host's). The prefix is used only when our mount namespace differs from pid
/// 1's, so an agent on the host opens the paths as they are.
/// </summary>
public sealed class HostPaths(string prefix)
{
    public static HostPaths Detect()
    {
        try
        {
            string? ours = new FileInfo("/proc/self/ns/mnt").LinkTarget;
            string? init = new FileInfo("/proc/1/ns/mnt").LinkTarget;
            return new HostPaths(ours is not null && init is not null && ours != init ? "/proc/1/root" : "");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new HostPaths(""); // pid 1's namespace is not ours to read: we are not in the host's pid namespace
        }
    }

    /// <summary>
    /// The paths a hook names are the runtime's, valid in the hook's mount namespace: through
    /// <c>/proc/PID/root</c> of the hook (its pid from the socket's peer credentials; the host's
    /// pid namespace makes it ours) when that namespace is not ours. Works where pid 1 is out of
    /// reach (a sandboxed host), and for a runtime in a mount namespace of its own.
    /// </summary>
    public static HostPaths OfPeer(int pid)
    {
        try
        {
            string? ours = new FileInfo("/proc/self/ns/mnt").LinkTarget;
            string? peer = new FileInfo($"/proc/{pid}/ns/mnt").LinkTarget;
            return new HostPaths(ours is not null && peer is not null && ours != peer ? $"/proc/{pid}/root" : "");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new HostPaths("");
        }
    }

    /// <summary>Empty on the host; <c>/proc/1/root</c> in a container of the host's pid namespace.</summary>
    public string Prefix => prefix;

    /// <summary>A host path (absolute) as we can open it.</summary>
    public string Of(string hostPath) => prefix.Length == 0 ? hostPath : prefix + hostPath;
}
