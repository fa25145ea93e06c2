namespace Probes;

/// <summary>
/// The probe API as a service, for classes that take their dependencies through a constructor
/// and for tests that want to replace it. <see cref="ProbesClient.Instance"/> forwards to
/// <see cref="Probe"/>; the static API stays the cheapest way to fire a probe.
/// </summary>
public interface IProbes
{
    /// <inheritdoc cref="Probe.IsEnabled"/>
    bool IsEnabled { get; }

    /// <inheritdoc cref="Probe.Phase(string)"/>
    PhaseScope Phase(string name);

    /// <inheritdoc cref="Probe.Phase(string, PhaseScope)"/>
    PhaseScope Phase(string name, PhaseScope parent);

    /// <inheritdoc cref="Probe.Mark(string, long)"/>
    void Mark(string name, long value);
}

/// <summary>The real <see cref="IProbes"/>: the static <see cref="Probe"/> API behind an interface.</summary>
public sealed class ProbesClient : IProbes
{
    private ProbesClient()
    {
    }

    /// <summary>The one instance; it has no state.</summary>
    public static ProbesClient Instance { get; } = new();

    /// <inheritdoc />
    public bool IsEnabled => Probe.IsEnabled;

    /// <inheritdoc />
    public PhaseScope Phase(string name) => Probe.Phase(name);

    /// <inheritdoc />
    public PhaseScope Phase(string name, PhaseScope parent) => Probe.Phase(name, parent);

    /// <inheritdoc />
    public void Mark(string name, long value) => Probe.Mark(name, value);
}
