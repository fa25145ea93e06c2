using System.Text.Json;
using Probes.Consumer.Manifest;
using Probes.Consumer.Output;

namespace Probes.Consumer.Cli;

/// <summary><c>probes list --phases</c>: the declared phases found (<see cref="Tracing.Discovery.PhaseManifests"/>), as text lines or one JSON array.</summary>
public static class PhaseManifestRenderer
{
    public static void Render(IReadOnlyList<(string Path, PhaseManifest Manifest)> assemblies, bool json, CliConsole console)
    {
        if (json)
        {
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                writer.WriteStartArray();
                foreach ((string path, PhaseManifest manifest) in assemblies)
                {
                    foreach (PhaseEntry phase in manifest.Phases)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("assembly", manifest.Assembly);
                        writer.WriteString("path", path);
                        writer.WriteString("name", phase.Name);
                        writer.WriteNumber("id", phase.Id);
                        writer.WriteString("kind", phase.Kind);
                        writer.WriteString("method", phase.Method);
                        writer.WriteString("file", phase.File);
                        if (phase.Line is int line)
                        {
                            writer.WriteNumber("line", line);
                        }
                        else
                        {
                            writer.WriteNull("line");
                        }
                        writer.WriteEndObject();
                    }
                }
                writer.WriteEndArray();
            }
            console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
            return;
        }
        foreach ((string path, PhaseManifest manifest) in assemblies)
        {
            foreach (PhaseEntry phase in manifest.Phases)
            {
                string where = phase.File is null ? "" : $"  {phase.File}:{phase.Line}";
                // Every field comes from the target's assembly.
                console.Out.WriteLine(TerminalText.Safe($"{manifest.Assembly}  phase {phase.Name}  id=0x{phase.Id:x8}  {phase.Kind}  {phase.Method}{where}"));
            }
        }
        if (assemblies.Sum(a => a.Manifest.Phases.Count) == 0)
        {
            console.WriteNote("no declared phases found");
        }
    }
}
