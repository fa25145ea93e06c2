using Probes.Consumer.Cli;

namespace Probes.Consumer;

internal static class Program
{
    private static int Main(string[] args) => ProbesCli.Run(args, CliConsole.System);
}
