using Probes.Consumer.Tracing;
using Probes.Consumer.Tracing.Discovery;

namespace Probes.Consumer.Output.Listings;

/// <summary>Writes the result of <c>probes list</c> in one output format: the listing to <c>output</c>, remarks about it to <c>notes</c>.</summary>
public interface IProbeRenderer
{
    void Render(IReadOnlyList<ListedProbe> probes, TextWriter output, IDiagnosticSink notes);
}
