using Probes.Consumer.Elf;
using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Targets.Processes;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tracing.Discovery;

/// <summary>
/// Finds the USDT probes of a file, a process or a container: wires Targets, Elf and Usdt
/// together for every verb (<c>probes list</c>, <c>trace</c>, <c>phases</c>) and any other consumer.
/// A single named file must be a good ELF file with good notes, or the command fails; an
/// argument spec that does not decode only marks its probe (<see cref="ListedProbe.ArgumentErrors"/>),
/// it never costs the file its listing. For a
/// process or container, the mapped files are many and mostly not ours: non-ELF files are
/// skipped silently, unreadable ones are a detail (<see cref="IDiagnosticSink.Detail"/>), and a
/// file with broken notes or the wrong identity gets one warning while the listing goes on.
///
/// Every file is pinned (<see cref="TargetFileOpener"/>) before it is read. With
/// <paramref name="keepPinned"/> (tracing verbs) a file that has probes stays pinned in its
/// <see cref="TargetFile.Pinned"/>, so the uprobes go on the very file whose notes were read;
/// at most <see cref="TargetLimits.MaxPinnedFiles"/> are kept. Everything else is closed at once.
/// </summary>
public sealed class ProbeDiscovery(IDiagnosticSink sink, string procRoot = ProcessTarget.DefaultProcRoot, bool keepPinned = false)
{
    private int _kept;
    private bool _saidProcessRoot;

    public IReadOnlyList<ListedProbe> ListFile(string path) => ListFile(new TargetFile(path, path));

    /// <summary>One file the user chose (or an image layer's, already pinned): failures are the command's.</summary>
    public IReadOnlyList<ListedProbe> ListFile(TargetFile file) => ReadProbes(file, skipNonElf: false);

    public IReadOnlyList<ListedProbe> ListProcess(int pid) => ListFiles(ProcessTarget.MappedFiles(pid, sink.Detail, sink.Warning, procRoot: procRoot));

    public IReadOnlyList<ListedProbe> ListContainer(string nameOrId) => ListContainer(new ContainerResolver(procRoot).Resolve(nameOrId, sink.Detail));

    public IReadOnlyList<ListedProbe> ListContainer(ContainerInfo container)
    {
        sink.Detail($"container {container.Name ?? "(name unknown)"} {container.Id}: host pids {string.Join(' ', container.Pids)}");

        // The container's processes share its mount namespace and mostly its files: each file
        // (device and inode) is read once, through the first process that maps it.
        var files = new List<TargetFile>();
        var seen = new HashSet<FileIdentity>();
        int limit = TargetLimits.MaxFilesPerTarget;
        foreach (int pid in container.Pids)
        {
            try
            {
                foreach (TargetFile file in ProcessTarget.MappedFiles(pid, sink.Detail, sink.Warning, container.Id, procRoot))
                {
                    if (file.Mapping is { } mapping && !seen.Add(mapping.Identity))
                    {
                        continue;
                    }
                    if (files.Count == limit)
                    {
                        sink.Warning($"container {container.Name ?? container.Id[..12]} maps more than {limit} files; examined the first {limit}");
                        return ListFiles(files);
                    }
                    files.Add(file);
                }
            }
            catch (TargetNotFoundException)
            {
                sink.Detail($"pid {pid} exited while being read");
            }
        }
        return ListFiles(files);
    }

    /// <summary>Many files found in processes: one bad file is a note or a warning, never the end of the listing.</summary>
    public IReadOnlyList<ListedProbe> ListFiles(IEnumerable<TargetFile> files)
    {
        var probes = new List<ListedProbe>();
        foreach (TargetFile file in files)
        {
            PinnedFile pinned;
            try
            {
                // The opener names the process in what it refuses (it has the mapping at hand).
                pinned = file.Pinned ?? TargetFileOpener.Pin(file);
            }
            catch (ProbesException e)
            {
                Skip(file, e, e.Message);
                continue;
            }
            try
            {
                probes.AddRange(ReadProbes(file, pinned, skipNonElf: true));
            }
            catch (ProbesException e)
            {
                // The file's own words: which process mapped it says which container holds the refused file.
                Skip(file, e, file.Pid is int pid ? $"pid {pid}: {e.Message}" : e.Message);
            }
        }
        return probes;
    }

    /// <summary>A file gone or unreadable is a note; one refused (bad ELF, bad notes, not the file mapped) a warning.</summary>
    private void Skip(TargetFile file, ProbesException failure, string refusal)
    {
        if (failure.Kind is ErrorKind.NotFound or ErrorKind.Privileges)
        {
            sink.Detail($"skipping {file.Path}: {failure.Message}");
        }
        else
        {
            sink.Warning(refusal);
        }
    }

    private List<ListedProbe> ReadProbes(TargetFile file, bool skipNonElf) => ReadProbes(file, file.Pinned ?? TargetFileOpener.Pin(file), skipNonElf);

    private List<ListedProbe> ReadProbes(TargetFile file, PinnedFile pinned, bool skipNonElf)
    {
        List<(UsdtProbe Probe, UsdtDecodedArguments Arguments)> found;
        try
        {
            if (pinned.Route == PinRoute.ProcessRoot && !_saidProcessRoot)
            {
                _saidProcessRoot = true;
                sink.Detail("/proc/PID/map_files is not open to us (needs CAP_SYS_ADMIN); mapped files are resolved inside each process's root and checked against its maps");
            }
            if (skipNonElf && !ElfFile.HasElfMagic(pinned.Handle))
            {
                found = [];
            }
            else
            {
                using ElfFile elf = ElfFile.Open(pinned.BorrowHandle(), file.Path);
                IReadOnlyList<UsdtProbe> probes = UsdtNoteReader.ReadProbes(elf);
                found = probes.Zip(UsdtArgumentDecoder.Decode(elf, probes)).ToList();
            }
        }
        catch
        {
            pinned.Dispose();
            throw;
        }

        TargetFile listed = file with { Pinned = null };
        if (keepPinned && found.Count > 0)
        {
            if (_kept < TargetLimits.MaxPinnedFiles)
            {
                _kept++;
                listed = file with { Pinned = pinned };
            }
            else
            {
                pinned.Dispose();
                sink.Warning($"more than {TargetLimits.MaxPinnedFiles} files with probes; {file.Path}{(file.Pid is int pid ? $" (pid {pid})" : "")} is left out");
                return [];
            }
        }
        else
        {
            pinned.Dispose();
        }
        return found.Select(f => new ListedProbe(listed, f.Probe, f.Arguments.Arguments) { ArgumentErrors = f.Arguments.Errors }).ToList();
    }
}
