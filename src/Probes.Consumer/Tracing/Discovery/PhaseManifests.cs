using Probes.Consumer.Manifest;
using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Files;

namespace Probes.Consumer.Tracing.Discovery;

/// <summary>
/// The phases woven .NET assemblies declare (their Probes manifests), for an assembly file or
/// for every assembly a process has loaded (<c>probes list --phases</c>).
/// </summary>
public static class PhaseManifests
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

    public static IReadOnlyList<(string Path, PhaseManifest Manifest)> OfProcess(int pid, IDiagnosticSink sink)
    {
        if (!Directory.Exists($"/proc/{pid}"))
        {
            throw new TargetNotFoundException($"no process with pid {pid}");
        }
        return LoadedAssemblies.Manifests(pid, sink.Warning).ToList();
    }
}
