namespace Probes.Consumer.Agent;

/// <summary>The labels that say where a series comes from: the container (all empty for the host), its image, its pod and Kubernetes namespace.</summary>
public sealed record ContainerLabels(string Container, string ContainerId, string Image, string Pod, string Namespace)
{
    public static readonly ContainerLabels Host = new("", "", "", "", "");

    /// <summary>Where phases beyond the series bound go (<see cref="PhaseSeriesTable"/>).</summary>
    public static readonly ContainerLabels Overflow = new("(overflow)", "(overflow)", "", "", "");
}
