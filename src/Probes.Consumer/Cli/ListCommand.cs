using System.CommandLine;

namespace Probes.Consumer.Cli;

/// <summary>
/// <c>probes list FILE | --pid PID | --container NAME_OR_ID</c>: the USDT probes of an ELF
/// file, of every ELF file a process maps, or of every process of a container.
/// </summary>
public static class ListCommand
{
    public static Command Create(CliConsole console)
    {
        TargetOptions target = TargetOptions.Create("List");
        var phases = new Option<bool>("--phases")
        {
            Description = "List the phases declared by .NET assemblies woven with Probes (FILE or --pid) instead of USDT probes. A .NET FILE implies it.",
        };
        var command = new Command("list", "List USDT (stapsdt) probes in a file, a process or a container, or the phases woven .NET assemblies declare.")
        {
            target.File, target.Pid, target.Container, phases,
        };
        target.AddValidator(command);

        // Failures propagate to ProbesCli.Run, which reports every verb's errors the same way.
        command.SetAction(parseResult =>
        {
            string? file = parseResult.GetValue(target.File);
            int? pid = parseResult.GetValue(target.Pid);
            string? container = parseResult.GetValue(target.Container);
            // A FILE needs nothing but its permissions; a process or container needs ptrace read access.
            if (pid is not null || container is not null)
            {
                var privileges = PrivilegeCheck.Current();
                privileges.Demand("probes list", tracing: false, pid is int reading ? privileges.ProcessReason(reading) : privileges.ContainerReason([container!]));
            }
            bool json = parseResult.GetValue(CommonOptions.Json);
            bool wantPhases = parseResult.GetValue(phases) || (file is not null && IsManagedAssembly(file));
            if (!wantPhases)
            {
                return (int)Execute(parseResult, console, file, pid, container);
            }
            if (file is null && pid is null)
            {
                throw new UsageException("--phases lists the phases of an assembly FILE or of a process (--pid)");
            }
            PhaseLister.Render(file is not null ? PhaseLister.OfFile(file) : PhaseLister.OfProcess(pid!.Value, console.WriteWarning), json, console);
            return (int)ExitCode.Success;
        });
        return command;
    }

    /// <summary>
    /// A PE file (MZ) is a .NET assembly candidate; ELF files keep the probe listing. Opened the
    /// way every target is (non-blocking, regular files only), so a FIFO cannot hang us here.
    /// </summary>
    private static bool IsManagedAssembly(string file)
    {
        try
        {
            using Microsoft.Win32.SafeHandles.SafeFileHandle handle = Targets.Files.TargetFileOpener.Open(new Targets.Files.TargetFile(file, file));
            Span<byte> magic = stackalloc byte[2];
            return RandomAccess.Read(handle, magic, 0) == 2 && magic[0] == (byte)'M' && magic[1] == (byte)'Z';
        }
        catch (Exception e) when (e is ProbesException or IOException or UnauthorizedAccessException)
        {
            return false; // the probe listing reports the problem in its own words
        }
    }

    private static ExitCode Execute(ParseResult parseResult, CliConsole console, string? file, int? pid, string? container)
    {
        bool verbose = parseResult.GetValue(CommonOptions.Verbose);
        bool json = parseResult.GetValue(CommonOptions.Json);
        var lister = new ProbeLister(console, verbose);
        IReadOnlyList<ListedProbe> probes = pid is { } processId ? lister.ListProcess(processId)
            : container is not null ? lister.ListContainer(container)
            : lister.ListFile(file!);

        IProbeRenderer renderer = json ? new JsonProbeRenderer(verbose) : new TextProbeRenderer(verbose);
        renderer.Render(probes, console);
        if (probes.Count == 0 && !json)
        {
            console.WriteNote("no USDT probes found");
        }
        return ExitCode.Success;
    }
}
