using System.Globalization;

namespace Probes.Consumer.Targets.Processes;

/// <summary>
/// The processes of this host: the numeric entries of <c>/proc</c>. The one place that lists
/// them; every scan (containers by cgroup, running copies of the shim, readability checks)
/// starts here. A snapshot: processes start and exit while the caller looks at each, so every
/// per-process read must expect the pid to be gone.
/// </summary>
public static class HostProcesses
{
    /// <summary>Every pid under <paramref name="procRoot"/> now.</summary>
    public static IReadOnlyList<int> Pids(string procRoot = ProcessTarget.DefaultProcRoot)
    {
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateDirectories(procRoot).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TargetAccessException($"cannot list {procRoot}: {e.Message}", e);
        }
        var pids = new List<int>();
        foreach (string entry in entries)
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                pids.Add(pid);
            }
        }
        return pids;
    }
}
