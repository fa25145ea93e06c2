using Probes.Consumer.Manifest;
using Probes.Consumer.Output.Json;
using Probes.Consumer.Tracing;

namespace Probes.Consumer.Output.Listings;

/// <summary><c>probes list --phases</c>: the declared phases found (<see cref="Tracing.Discovery.PhaseManifests"/>), as text lines or one JSON array (<see cref="DeclaredPhaseJson"/>).</summary>
public static class PhaseManifestRenderer
{
    public static void Render(IReadOnlyList<(string Path, PhaseManifest Manifest)> assemblies, bool json, TextWriter output, IDiagnosticSink notes)
    {
        if (json)
        {
            IReadOnlyList<DeclaredPhaseJson> phases = assemblies
                .SelectMany(a => a.Manifest.Phases.Select(phase => new DeclaredPhaseJson(a.Manifest.Assembly, a.Path, phase.Name, phase.Id, phase.Kind, phase.Method, phase.File, phase.Line)))
                .ToList();
            output.Write(OutputJson.Text(phases, OutputJsonContext.Default.IReadOnlyListDeclaredPhaseJson));
            return;
        }
        foreach ((string path, PhaseManifest manifest) in assemblies)
        {
            foreach (PhaseEntry phase in manifest.Phases)
            {
                string where = phase.File is null ? "" : $"  {phase.File}:{phase.Line}";
                // Every field comes from the target's assembly.
                output.WriteLine(TerminalText.Safe($"{manifest.Assembly}  phase {phase.Name}  id=0x{phase.Id:x8}  {phase.Kind}  {phase.Method}{where}"));
            }
        }
        if (assemblies.Sum(a => a.Manifest.Phases.Count) == 0)
        {
            notes.Note("no declared phases found");
        }
    }
}
