using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Phases;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Tracing;
using Probes.Consumer.Tracing.Run;

namespace Probes.Consumer.Export.Otlp;

/// <summary>
/// A run's consumer that exports what reaches user space as OTLP spans and hands every v1 record
/// on to <paramref name="inner"/> (the phase table, the agent's maps reader): begins and ABI v2
/// <c>phase_context</c> records feed the <see cref="PhaseSpanJoin"/>, each end becomes a span.
/// Every <see cref="OtlpSettings.ExportInterval"/> (on the run's ticks) <paramref name="histograms"/>
/// gives the cumulative histograms. The exporter's own thread does the sending.
/// </summary>
public sealed class OtlpPhaseExport(ITraceConsumer inner, OtlpExporter exporter, PhaseSpanJoin join, ServiceNames services,
    Func<IReadOnlyList<ExportedHistogram>>? histograms, TimeSpan histogramInterval, Func<string, ContainerResource?> containerOf) : ITraceConsumer
{
    public const string ContextProbe = "phase_context";

    private readonly PhaseEventDecoder _decoder = new();
    private readonly Dictionary<string, string> _serviceOfContainer = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ContainerResource> _containers = new(StringComparer.Ordinal);
    private DateTimeOffset _lastHistograms = DateTimeOffset.MinValue;

    /// <summary>The service name last seen in a container (metrics resources name it), or null.</summary>
    public string? ServiceOf(string containerId) => _serviceOfContainer.TryGetValue(containerId, out string? name) ? name : null;

    public void OnEvent(UsdtRecord record, TracedProbe probe, ContainerRef? container)
    {
        if (probe.Provider != TracePlan.OwnProvider)
        {
            inner.OnEvent(record, probe, container);
            return;
        }
        switch (probe.Name)
        {
            case ContextProbe:
                if (record.ArgumentCount >= 4)
                {
                    join.OnContext(record.Pid, record.Argument(0), record.Argument(1), record.Argument(2), record.Argument(3));
                }
                return; // v1 consumers know no such probe
            case "phase_begin":
                join.OnBegin(record.Pid, record.Argument(2), record.Argument(3), record.TimestampNanoseconds);
                break;
            case "phase_end":
                Export(record, container);
                break;
        }
        inner.OnEvent(record, probe, container);
    }

    private void Export(UsdtRecord record, ContainerRef? container)
    {
        uint id = (uint)record.Argument(0);
        string name = _decoder.Name(id, record.StringBytes(1));
        bool measured = record.ArgumentCount > PhaseProgramGenerator.ParentSlot;
        ulong duration = measured ? record.Argument(PhaseProgramGenerator.DurationSlot) : 0;
        ulong parent = measured ? record.Argument(PhaseProgramGenerator.ParentSlot) : 0;
        string containerId = container?.Id ?? "";
        string service = services.Of(record.Pid, record.Comm);
        if (_serviceOfContainer.Count < 4_096 || _serviceOfContainer.ContainsKey(containerId))
        {
            _serviceOfContainer[containerId] = service;
        }
        var origin = new SpanOrigin(record.Pid, containerId, ResourceOf(containerId, container?.Name), service);
        exporter.Offer(join.OnEnd(origin, name, id, record.Argument(2), parent, (PhaseStatus)(int)record.Argument(3), record.Tid,
            record.TimestampNanoseconds, duration));
    }

    /// <summary>What is known of a container, asked until its name is known, then kept (the host has none).</summary>
    private ContainerResource? ResourceOf(string containerId, string? nameOfRecord)
    {
        if (containerId.Length == 0)
        {
            return null;
        }
        if (_containers.TryGetValue(containerId, out ContainerResource? known))
        {
            return known;
        }
        ContainerResource? found = containerOf(containerId);
        if (found?.Name is null && nameOfRecord is not null)
        {
            found = (found ?? new ContainerResource(null)) with { Name = nameOfRecord };
        }
        if (found?.Name is not null && _containers.Count < 4_096)
        {
            _containers[containerId] = found;
        }
        return found;
    }

    public void OnIgnored(UsdtRecord record) => inner.OnIgnored(record);

    public void AfterPoll(int events) => inner.AfterPoll(events);

    public void OnTick()
    {
        inner.OnTick();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        if (histograms is not null && now - _lastHistograms >= histogramInterval)
        {
            _lastHistograms = now;
            exporter.SetHistograms(histograms());
        }
    }

    /// <summary>The last histograms, after the run (its maps read once more).</summary>
    public void Finish()
    {
        if (histograms is not null)
        {
            exporter.SetHistograms(histograms());
        }
    }
}
