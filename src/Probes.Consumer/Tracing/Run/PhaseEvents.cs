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
        string comm = record.Comm;
        consumer.OnPhaseEvent(_decoder.Decode(record, isBegin, container?.Id ?? ""),
            () => container is null ? $"{comm} (pid {pid})" : $"{comm} (pid {pid}, {container.DisplayName})");
    }

    public void AfterPoll(int events) => consumer.AfterPoll(events);

    public void OnTick() => consumer.OnTick();
}
