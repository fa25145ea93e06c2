using System.Text.Json;
using Probes.Consumer.Manifest;
using Probes.Consumer.Output;
using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Files;

namespace Probes.Consumer.Cli;

/// <summary>
/// <c>probes list --phases</c>: the phases a woven .NET assembly declares (its Probes manifest),
/// for an assembly file or for every assembly a process has loaded.
/// </summary>
public static class PhaseLister
{
    public static IReadOnlyList<(string Path, PhaseManifest Manifest)> OfFile(string path)
    {
        // Opened the way every target is: the type checked first, so a FIFO, device or directory
        // is refused in one line instead of blocking in open() or being read as an assembly.
        using PinnedFile pinned = TargetFileOpener.PinPath(path);
        PhaseManifest manifest;
        using (var stream = new FileStream(pinned.BorrowHandle(), FileAccess.Read))
        {
            try
            {
                manifest = PhaseManifestReader.Read(stream)
                    ?? throw new TargetNotFoundException($"{path}: not a .NET assembly woven by Probes (no {PhaseManifestReader.ResourceName} in it)");
            }
            catch (ManifestFormatException e)
            {
                throw new ManifestFormatException($"{path}: {e.Message}", e);
            }
        }
        return [(path, manifest)];
    }

    public static IReadOnlyList<(string Path, PhaseManifest Manifest)> OfProcess(int pid, Action<string> warn)
    {
        if (!Directory.Exists($"/proc/{pid}"))
        {
            throw new TargetNotFoundException($"no process with pid {pid}");
        }
        return LoadedAssemblies.Manifests(pid, warn).ToList();
    }

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
