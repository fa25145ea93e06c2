using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Targets.Containers;

namespace Probes.Consumer.Tracing.Run;

/// <summary>
/// Whoever a <see cref="TraceRun"/> hands its events to: a writer of event lines, a phase
/// collector (<see cref="PhaseEvents"/>), an exporter. Every call comes on the run's thread,
/// between reads of the ring, one at a time.
/// </summary>
public interface ITraceConsumer
{
    /// <summary>
    /// One event of a traced probe, from a process of the target (events of other containers
    /// mapping the same file are counted as ignored and never reach here). <paramref name="record"/>
    /// is a view into the ring, valid only during the call; <paramref name="container"/> is the
    /// container the process ran in when the probe fired, null for the host.
    /// </summary>
    void OnEvent(UsdtRecord record, TracedProbe probe, ContainerRef? container);

    /// <summary>An event of a process outside the traced containers (same file), not handed to <see cref="OnEvent"/>; valid only during the call.</summary>
    void OnIgnored(UsdtRecord record)
    {
    }

    /// <summary>After each read of the ring (<paramref name="events"/> may be 0) and after the final drain: flush buffered output here.</summary>
    void AfterPoll(int events)
    {
    }

    /// <summary>Every <see cref="TraceRunOptions.TickInterval"/> while the run goes on: refresh a live view, read periodic state.</summary>
    void OnTick()
    {
    }
}
