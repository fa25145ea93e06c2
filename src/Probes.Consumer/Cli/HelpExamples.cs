using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Probes.Consumer.Cli;

/// <summary>
/// An "Examples:" section at the end of <c>--help</c>, for the root and each verb: two or three
/// command lines a person can adapt, the way <c>dotnet-trace</c> and <c>git</c> show them. Tests
/// parse every example, so none goes stale when an option changes.
/// </summary>
public static class HelpExamples
{
    public static readonly IReadOnlyDictionary<string, string[]> ByVerb = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [""] =
        [
            "probes list --pid 4242",
            "probes phases --image localhost/web:1",
            "probes trace --container web-1 --json",
        ],
        ["list"] =
        [
            "probes list /usr/bin/python3.11             # the stapsdt probes of a file",
            "probes list --pid 4242 --verbose            # of every file a process maps, arguments decoded",
            "probes list --pid 4242 --phases             # the phases its woven assemblies declare",
        ],
        ["trace"] =
        [
            "probes trace --container web-1 --json       # every probe hit of a container, one JSON line each",
            "probes trace /usr/bin/python3.11 --probe 'python:function__*' --str 0 --str 1",
            "probes trace --pid 4242 --duration 10",
        ],
        ["phases"] =
        [
            "probes phases --image localhost/web:1       # every container of the image, also those started later",
            "probes phases --format tree -- dotnet app.dll   # start it traced; where each phase's time goes",
            "probes phases --pid 4242 --format chrome -o timeline.json   # open in Perfetto or speedscope",
        ],
        ["ps"] =
        [
            "probes ps                                   # every process that loads libprobes.so, and its phases",
            "probes ps --format json",
        ],
        ["containers"] =
        [
            "probes containers                           # which containers load libprobes.so",
            "probes containers --json",
        ],
    };

    /// <summary>Adds the section to the help of <paramref name="root"/> and every verb under it.</summary>
    public static void AddTo(RootCommand root)
    {
        // The help's layout hooks are internal in this System.CommandLine: the section follows the default help.
        if (root.Options.OfType<HelpOption>().FirstOrDefault() is { Action: SynchronousCommandLineAction help } option)
        {
            option.Action = new WithExamples(help);
        }
    }

    private sealed class WithExamples(SynchronousCommandLineAction help) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => help.ClearsParseErrors;

        public override int Invoke(ParseResult parseResult)
        {
            int exit = help.Invoke(parseResult);
            string verb = parseResult.CommandResult.Command is RootCommand ? "" : parseResult.CommandResult.Command.Name;
            if (ByVerb.TryGetValue(verb, out string[]? examples))
            {
                TextWriter output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (string example in examples)
                {
                    output.WriteLine($"  {example}");
                }
                output.WriteLine();
            }
            return exit;
        }
    }
}
