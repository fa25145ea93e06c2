using System.Globalization;
using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Targets.Containers;

/// <summary>
/// Notices when a traced container has no process left (stopped or removed), from the same
/// source that found it: the container id in <c>/proc/PID/cgroup</c>. Each container keeps one
/// known member pid; a check reads that pid's cgroup only, and scans all of <c>/proc</c> only
/// when a member is gone (the container may have other processes, or none). Not thread-safe:
/// the tracing loop calls <see cref="Poll"/> between its reads of the ring.
/// </summary>
public sealed class ContainerWatch
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(500);
    private readonly string _procRoot;
    private readonly TimeSpan _interval;
    private readonly Func<long> _clockMs;
    private readonly Dictionary<string, int?> _memberOf = new(StringComparer.Ordinal);
    private long _nextCheckAt;

    public ContainerWatch(IEnumerable<string> containerIds, string procRoot = ProcessTarget.DefaultProcRoot, TimeSpan? interval = null, Func<long>? clockMs = null)
    {
        _procRoot = procRoot;
        _interval = interval ?? DefaultInterval;
        _clockMs = clockMs ?? (() => Environment.TickCount64);
        foreach (string id in containerIds)
        {
            _memberOf[id] = null;
        }
        _nextCheckAt = _clockMs() + (long)_interval.TotalMilliseconds;
    }

    /// <summary>The watched containers that still had a process at the last check.</summary>
    public IReadOnlyCollection<string> Remaining => _memberOf.Keys;

    /// <summary>The containers found gone since the last call, checking at most once per interval; usually empty.</summary>
    public IReadOnlyList<string> Poll()
    {
        long now = _clockMs();
        if (now < _nextCheckAt)
        {
            return [];
        }
        _nextCheckAt = now + (long)_interval.TotalMilliseconds;
        return CheckNow();
    }

    /// <summary>Checks every remaining container now; returns (and stops watching) those without a process.</summary>
    public IReadOnlyList<string> CheckNow()
    {
        List<string> unsure = _memberOf.Where(pair => pair.Value is not int pid || !IsLiveMember(pid, pair.Key)).Select(pair => pair.Key).ToList();
        if (unsure.Count == 0)
        {
            return [];
        }
        var found = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach ((int pid, string id) in ContainerProcessScan.Processes(_procRoot))
        {
            // A zombie still shows its cgroup until it is reaped, but runs nothing.
            if (!found.ContainsKey(id) && _memberOf.ContainsKey(id) && ProcessIdentity.ReadStartTime(pid, _procRoot) is not null)
            {
                found[id] = pid;
            }
        }
        var gone = new List<string>();
        foreach (string id in unsure)
        {
            if (found.TryGetValue(id, out int member))
            {
                _memberOf[id] = member;
            }
            else
            {
                _memberOf.Remove(id);
                gone.Add(id);
            }
        }
        return gone;
    }

    private bool IsLiveMember(int pid, string id)
    {
        try
        {
            return CgroupContainerId.FromFile(File.ReadAllLines($"{_procRoot}/{pid.ToString(CultureInfo.InvariantCulture)}/cgroup")) == id
                && ProcessIdentity.ReadStartTime(pid, _procRoot) is not null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // exited: look for another member
        }
    }
}
