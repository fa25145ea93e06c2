using Probes.Consumer.Tracing.Discovery;

namespace Probes.Consumer.Cli;

/// <summary>Writes the result of <c>probes list</c> in one output format.</summary>
public interface IProbeRenderer
{
    void Render(IReadOnlyList<ListedProbe> probes, CliConsole console);
}
