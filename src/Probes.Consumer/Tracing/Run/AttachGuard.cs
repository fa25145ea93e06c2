using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Uprobes;
using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Tracing.Run;

/// <summary>
/// The attach of a tracing verb, with the race check around it: a <c>--pid</c> process that
/// exited, exec'd or gave its pid to another process after its probes were found is reported
/// as such (not found) instead of as a failed perf_event_open or, worse, a silent attach to
/// the wrong process.
/// </summary>
public static class AttachGuard
{
    public static void Start(UsdtSession session, ProcessIdentity? identity)
    {
        DiscoverySeam.Reached();
        try
        {
            session.Start();
        }
        catch (UprobeAttachException) when (identity is not null && identity.Check().HasChanged)
        {
            // ESRCH for a pid that is gone, ENOENT for a /proc/PID path that went with it: say why.
            ProcessWatch.EnsureUnchanged(identity);
            throw;
        }
        if (identity is not null)
        {
            ProcessWatch.EnsureUnchanged(identity);
        }
    }
}
