using System.Diagnostics.Tracing;

namespace Probes.Benchmarks;

/// <summary>
/// The EventSource a service would write for the same phases: the comparison point for
/// "what .NET already offers when nobody listens".
/// </summary>
[EventSource(Name = "Probes-Benchmarks")]
public sealed class BenchEventSource : EventSource
{
    public static readonly BenchEventSource Log = new();

    private BenchEventSource()
    {
    }

    [Event(1, Level = EventLevel.Informational)]
    public void PhaseStarted(string name, long value) => WriteEvent(1, name, value);
}
