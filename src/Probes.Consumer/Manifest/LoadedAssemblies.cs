using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Manifest;

/// <summary>
/// The phase manifests of the managed assemblies a running process has loaded, for
/// `probes list --phases --pid`. The files come from <see cref="MappedAssemblies"/>; each is read
/// through its mapping (<see cref="TargetFileOpener"/>: /proc/PID/map_files, or the path resolved
/// inside the process's root, identity checked), never by the path /proc/PID/root + name, which a
/// symlink in a container could point at a host file.
/// </summary>
public static class LoadedAssemblies
{
    /// <summary>The woven assemblies mapped by <paramref name="pid"/>, each with its manifest; a file refused or unreadable is passed to <paramref name="warn"/> and skipped.</summary>
    public static IEnumerable<(string Path, PhaseManifest Manifest)> Manifests(int pid, Action<string>? warn = null)
    {
        warn ??= _ => { };
        foreach (TargetFile file in MappedAssemblies.Files(pid, warn))
        {
            PhaseManifest? manifest;
            try
            {
                using PinnedFile pinned = TargetFileOpener.Pin(file);
                using var stream = new FileStream(pinned.BorrowHandle(), FileAccess.Read);
                manifest = PhaseManifestReader.Read(stream);
            }
            catch (Exception e) when (e is TargetNotFoundException or TargetAccessException or IOException)
            {
                continue; // unmapped or replaced since /proc/PID/maps was read
            }
            catch (TargetIdentityException e)
            {
                warn(e.Message);
                continue;
            }
            catch (ManifestFormatException e)
            {
                // One malformed assembly must not hide the manifests of the others.
                warn($"pid {pid}: {file.Path}: {e.Message}");
                continue;
            }
            if (manifest is not null)
            {
                yield return (file.HostPath, manifest);
            }
        }
    }
}
