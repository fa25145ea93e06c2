using Microsoft.Win32.SafeHandles;
using Probes.Consumer.Elf;
using Probes.Consumer.Targets;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Cli;

/// <summary>
/// Wires Targets, Elf and Usdt together for <c>probes list</c>. A single named file must be
/// a good ELF file with good notes, or the command fails. For a process or container, the
/// mapped files are many and mostly not ours: non-ELF files are skipped silently,
/// unreadable ones are mentioned in verbose mode, and a file with broken notes gets one
/// warning line while the listing goes on.
/// </summary>
public sealed class ProbeLister(CliConsole console, bool verbose, string procRoot = ProcessTarget.DefaultProcRoot)
{
    public IReadOnlyList<ListedProbe> ListFile(string path) => ReadFile(new TargetFile(path, path));

    public IReadOnlyList<ListedProbe> ListProcess(int pid) => ListFiles(ProcessTarget.MappedFiles(pid, Note, procRoot: procRoot));

    public IReadOnlyList<ListedProbe> ListContainer(string nameOrId) => ListContainer(new ContainerResolver(procRoot).Resolve(nameOrId, Note));

    public IReadOnlyList<ListedProbe> ListContainer(ContainerInfo container)
    {
        Note($"container {container.Name ?? "(name unknown)"} {container.Id}: host pids {string.Join(' ', container.Pids)}");

        var files = new List<TargetFile>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (int pid in container.Pids)
        {
            try
            {
                // The container's processes share its mount namespace, so a path names one file:
                // list it once, reached through the first process that maps it.
                files.AddRange(ProcessTarget.MappedFiles(pid, Note, container.Id, procRoot).Where(file => seen.Add(file.Path)));
            }
            catch (TargetNotFoundException)
            {
                Note($"pid {pid} exited while being read");
            }
        }
        return ListFiles(files);
    }

    private List<ListedProbe> ListFiles(IEnumerable<TargetFile> files)
    {
        var probes = new List<ListedProbe>();
        foreach (TargetFile file in files)
        {
            try
            {
                probes.AddRange(ReadFileIfElf(file));
            }
            catch (Exception e) when (e is TargetNotFoundException or TargetAccessException)
            {
                Note($"skipping {file.Path}: {e.Message}");
            }
            catch (ProbesException e)
            {
                console.WriteWarning(e.Message);
            }
        }
        return probes;
    }

    private IReadOnlyList<ListedProbe> ReadFileIfElf(TargetFile file)
    {
        SafeFileHandle handle = TargetFileOpener.Open(file);
        if (!ElfFile.HasElfMagic(handle))
        {
            handle.Dispose();
            return [];
        }
        return ReadProbes(file, handle);
    }

    private static List<ListedProbe> ReadFile(TargetFile file) => ReadProbes(file, TargetFileOpener.Open(file));

    private static List<ListedProbe> ReadProbes(TargetFile file, SafeFileHandle handle)
    {
        using ElfFile elf = ElfFile.Open(handle, file.Path);
        return UsdtNoteReader.ReadProbes(elf)
            .Select(probe => new ListedProbe(file, probe, UsdtArgumentParser.Parse(probe, file.Path)))
            .ToList();
    }

    private void Note(string message)
    {
        if (verbose)
        {
            console.WriteNote(message);
        }
    }
}
