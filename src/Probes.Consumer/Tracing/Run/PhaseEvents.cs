using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Phases;
using Probes.Consumer.Targets.Containers;

namespace Probes.Consumer.Tracing.Run;

/// <summary>Whoever takes the decoded phase events of a run (<see cref="PhaseEvents"/>): a collector, a live view, an exporter.</summary>
public interface IPhaseEventConsumer
{
    /// <summary>
    /// One phase begin or end; <paramref name="describeProcess"/> names its process for a report
    /// ("dotnet (pid 42, web-1)"), built only when called.
    /// </summary>
    void OnPhaseEvent(in PhaseEvent phase, Func<string> describeProcess);

    /// <summary>One <c>probes:mark</c> hit.</summary>
    void OnMark(in MarkEvent mark)
    {
    }

    /// <inheritdoc cref="ITraceConsumer.AfterPoll"/>
    void AfterPoll(int events)
    {
    }

    /// <inheritdoc cref="ITraceConsumer.OnTick"/>
    void OnTick()
    {
    }
}

/// <summary>
/// A run's consumer for <c>probes:phase_begin</c>/<c>phase_end</c> and <c>mark</c> (ABI v1): decodes each record
/// into a <see cref="PhaseEvent"/> keyed by the container it came from, and hands it on.
/// </summary>
public sealed class PhaseEvents(IPhaseEventConsumer consumer) : ITraceConsumer
{
    private readonly PhaseEventDecoder _decoder = new();

    public void OnEvent(UsdtRecord record, TracedProbe probe, ContainerRef? container)
    {
        if (probe.Provider == TracePlan.OwnProvider && probe.Name == "mark")
        {
            consumer.OnMark(_decoder.DecodeMark(record, container?.Id ?? ""));
            return;
        }
        bool isBegin = probe.Provider == TracePlan.OwnProvider && probe.Name == "phase_begin";
        int pid = record.Pid;
        string threadComm = record.Comm;
        consumer.OnPhaseEvent(_decoder.Decode(record, isBegin, container?.Id ?? ""), () =>
        {
            string comm = ProcessComm(pid) ?? threadComm;
            return container is null ? $"{comm} (pid {pid})" : $"{comm} (pid {pid}, {container.DisplayName})";
        });
    }

    /// <summary>
    /// The process's own name (its main thread's comm): the record's is the firing thread's, which
    /// for async phases is a pool thread (".NET TP Worker") rather than the service. Null once the
    /// process is gone. The kernel bounds comm to 15 bytes; it is the target's, escaped where shown.
    /// </summary>
    private static string? ProcessComm(int pid)
    {
        try
        {
            string comm = File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n');
            return comm.Length is > 0 and <= 64 ? comm : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void AfterPoll(int events) => consumer.AfterPoll(events);

    public void OnTick() => consumer.OnTick();
}
