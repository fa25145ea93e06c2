namespace Probes.Consumer.Cli;

internal static class Program
{
    private static int Main(string[] args) => ProbesCli.Run(args, CliConsole.System);
}
