using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Tracing.Run;

/// <summary>
/// Watches a traced pid against the identity captured before its probes were found, so
/// <c>--pid</c> tracing ends by itself when the process exits, execs another program or its
/// pid is reused (<see cref="ProcessIdentity"/>). <see cref="EnsureUnchanged"/> is the check
/// right after the attach; the timer checks every 100 ms after that and reports once, on a
/// thread-pool thread (the callback only has to stop the session, which is thread-safe).
/// </summary>
public sealed class ProcessWatch : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private readonly Timer _timer;
    private int _reported;

    private ProcessWatch(ProcessIdentity identity, Action<string> changed, string procRoot)
    {
        _timer = new Timer(_ =>
        {
            ProcessChange change = identity.Check(procRoot);
            if (change.HasChanged && Interlocked.Exchange(ref _reported, 1) == 0)
            {
                changed(change.Describe());
            }
        }, null, Interval, Interval);
    }

    /// <summary>Starts watching; <paramref name="changed"/> gets the reason ("process 42 exited") once.</summary>
    public static ProcessWatch Start(ProcessIdentity identity, Action<string> changed, string procRoot = ProcessTarget.DefaultProcRoot) =>
        new(identity, changed, procRoot);

    /// <summary>
    /// The identity of <paramref name="pid"/> before discovery; a pid that does not exist fails
    /// the way every missing target does.
    /// </summary>
    public static ProcessIdentity Capture(int pid, string procRoot = ProcessTarget.DefaultProcRoot) =>
        ProcessIdentity.Capture(pid, procRoot) ?? throw new TargetNotFoundException($"no process with pid {pid}");

    /// <summary>
    /// Right after the attach: a process that exited, exec'd or was replaced since it was
    /// captured was not what the probes were attached for, so the command fails (not found).
    /// </summary>
    public static void EnsureUnchanged(ProcessIdentity identity, string procRoot = ProcessTarget.DefaultProcRoot)
    {
        ProcessChange change = identity.Check(procRoot);
        if (change.HasChanged)
        {
            throw new TargetNotFoundException(change.Describe(beforeAttach: true));
        }
    }

    public void Dispose() => _timer.Dispose();
}
