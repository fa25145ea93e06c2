using System.CommandLine;
using Probes.Consumer.Output.Listings;
using Probes.Consumer.Tracing.Discovery;

namespace Probes.Consumer.Cli;

/// <summary>
/// <c>probes ps</c>: every process that maps libprobes.so (pid, container, command line, the
/// phases its manifests declare), like <c>dotnet-counters ps</c>: what <c>--pid</c>,
/// <c>-n</c> and <c>--container</c> can point at.
/// </summary>
public static class PsCommand
{
    public static Command Create(CliConsole console)
    {
        var format = new Option<string>("--format", "-f")
        {
            Description = "table or json (--json is --format json).",
            DefaultValueFactory = _ => "table",
            CustomParser = result =>
            {
                string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (text is not ("table" or "json"))
                {
                    result.AddError($"--format must be table or json, not '{text}'");
                }
                return text;
            },
        };
        var command = new Command("ps", "List the processes that load libprobes.so: pid, container, command line, declared phases.");
        command.Options.Add(format);
        command.SetAction(parse =>
        {
            // Other users' processes and every container need ptrace read access to their maps.
            var privileges = PrivilegeCheck.Current();
            privileges.Demand("probes ps", tracing: false, privileges.EveryContainerReason());
            var diagnostics = new ConsoleDiagnostics(console, parse.GetValue(CommonOptions.Verbose));
            List<ProbesProcess> processes = ProbesProcesses.Find(diagnostics, withPhases: true);
            if (parse.GetValue(CommonOptions.Json) || parse.GetValue(format) == "json")
            {
                console.Out.Write(ProcessListing.Json(processes));
            }
            else if (processes.Count == 0)
            {
                console.WriteNote("no process maps libprobes.so");
            }
            else
            {
                console.Terminal.Write(ProcessListing.Table(processes));
            }
            return (int)ExitCode.Success;
        });
        return command;
    }
}
