using Probes.Consumer.Phases;

namespace Probes.Consumer.Export.Otlp;

/// <summary>The process and container a span or data point comes from: its OTLP resource.</summary>
public sealed record SpanOrigin(int Pid, string ContainerId, string? ContainerName, string ServiceName, string? Image = null, string? Pod = null, string? Namespace = null)
{
    public SpanOrigin(int pid, string containerId, ContainerResource? container, string serviceName)
        : this(pid, containerId, container?.Name, serviceName, container?.Image, container?.Pod, container?.Namespace)
    {
    }
}

/// <summary>What is known of a container for its resource: its name, image, Kubernetes pod and namespace (null: unknown).</summary>
public sealed record ContainerResource(string? Name, string? Image = null, string? Pod = null, string? Namespace = null);

/// <summary>One finished phase as an OTLP span: ids already derived, times in Unix nanoseconds.</summary>
public sealed record ExportedSpan(
    SpanOrigin Origin,
    string Name,
    uint PhaseId,
    ulong TraceIdHigh,
    ulong TraceIdLow,
    ulong SpanId,
    ulong ParentSpanId,
    ulong StartUnixNs,
    ulong EndUnixNs,
    PhaseStatus Status,
    int ThreadId,
    ulong ProbesSpanId);
