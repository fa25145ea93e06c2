using Probes.Consumer.Export.Otlp;

namespace Probes.Consumer.Agent;

/// <summary>The labels that say where a series comes from: the container (all empty for the host), its image, its pod and Kubernetes namespace.</summary>
public sealed record ContainerLabels(string Container, string ContainerId, string Image, string Pod, string Namespace)
{
    public static readonly ContainerLabels Host = new("", "", "", "", "");

    /// <summary>Where phases beyond the series bound go (<see cref="PhaseSeriesTable"/>).</summary>
    public static readonly ContainerLabels Overflow = new("(overflow)", "(overflow)", "", "", "");

    /// <summary>The OTLP resource's view: an empty label is unknown (null), the others bounded as labels are (<see cref="LabelValue.Bound"/>).</summary>
    public ContainerResource ToResource() => new(Bounded(Container), Bounded(Image), Bounded(Pod), Bounded(Namespace));

    private static string? Bounded(string value) => value.Length > 0 ? LabelValue.Bound(value) : null;
}
