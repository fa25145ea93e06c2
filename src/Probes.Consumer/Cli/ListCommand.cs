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
        var command = new Command("list", "List USDT (stapsdt) probes in a file, a process or a container.")
        {
            target.File, target.Pid, target.Container,
        };
        target.AddValidator(command);

        // Failures propagate to ProbesCli.Run, which reports every verb's errors the same way.
        command.SetAction(parseResult => (int)Execute(parseResult, console, parseResult.GetValue(target.File), parseResult.GetValue(target.Pid), parseResult.GetValue(target.Container)));
        return command;
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
