using System.CommandLine;

namespace Probes.Consumer.Cli;

/// <summary>
/// The <c>probes</c> command line: the root command, its verbs (one class each; a new verb
/// such as <c>trace</c> or <c>phases</c> is one more file and one more line in
/// <see cref="Verbs"/>), and the uniform handling of usage errors.
/// </summary>
public static class ProbesCli
{
    public static RootCommand BuildRoot(CliConsole console)
    {
        var root = new RootCommand("Discover and trace USDT probes in .NET services and any other ELF program.");
        root.Options.Add(CommonOptions.Json);
        root.Options.Add(CommonOptions.Verbose);
        foreach (Command verb in Verbs(console))
        {
            root.Subcommands.Add(verb);
        }
        HelpExamples.AddTo(root);
        return root;
    }

    public static int Run(string[] args, CliConsole console)
    {
        // One guard for parsing and every verb's action (the default handler is off, so their
        // exceptions arrive here): each failure becomes one line and its exit code.
        return CommandRunner.Run(console, () =>
        {
            if (console.OutputProblem is { } closed)
            {
                console.WriteError(closed);
                return ExitCode.OutputFailed;
            }
            // No @response files: a FILE that begins with '@' is a file name like any other.
            ParseResult result = BuildRoot(console).Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
            if (UsageErrors.First(result) is { } usage)
            {
                // One line, like every other failure; the full help is one --help away.
                console.WriteError($"{usage} (see 'probes --help')");
                return ExitCode.Usage;
            }
            return (ExitCode)result.Invoke(new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false });
        });
    }

    private static IEnumerable<Command> Verbs(CliConsole console)
    {
        yield return ListCommand.Create(console);
        yield return TraceCommand.Create(console);
        yield return PhasesCommand.Create(console);
        yield return ContainersCommand.Create(console);
        yield return PsCommand.Create(console);
        yield return AgentCommand.Create(console);
        yield return HookCommand.Create(console);
    }
}
