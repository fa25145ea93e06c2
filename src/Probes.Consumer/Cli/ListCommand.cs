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
        var file = new Argument<string?>("file")
        {
            Description = "An ELF file (executable or shared library) to read stapsdt notes from.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var pid = new Option<int?>("--pid", "-p")
        {
            Description = "List the probes of every ELF file mapped by this process (host pid).",
            CustomParser = ParsePid,
        };
        var container = new Option<string?>("--container", "-c")
        {
            Description = "List the probes of every process in this container: a podman name, a full id or an id prefix.",
        };

        var command = new Command("list", "List USDT (stapsdt) probes in a file, a process or a container.")
        {
            file, pid, container,
        };
        command.Validators.Add(result =>
        {
            // Presence only: a value that failed to convert has its own error already.
            int targets = new[] { result.GetResult(file)?.Tokens.Count, result.GetResult(pid)?.Tokens.Count, result.GetResult(container)?.Tokens.Count }
                .Count(tokens => tokens > 0);
            if (targets != 1)
            {
                result.AddError("give exactly one target: FILE, --pid PID or --container NAME_OR_ID");
            }
        });

        // Failures propagate to ProbesCli.Run, which reports every verb's errors the same way.
        command.SetAction(parseResult => (int)Execute(parseResult, console, parseResult.GetValue(file), parseResult.GetValue(pid), parseResult.GetValue(container)));
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

    private static int? ParsePid(System.CommandLine.Parsing.ArgumentResult result)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int value) || value <= 0)
        {
            result.AddError($"--pid must be a positive process id, not '{text}'");
            return null;
        }
        return value;
    }
}
