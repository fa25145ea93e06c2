namespace Probes.Consumer.Cli;

/// <summary>Runs the command line and turns any failure into one error line and its exit code.</summary>
public static class CommandRunner
{
    public static int Run(CliConsole console, Func<ExitCode> body)
    {
        try
        {
            return (int)body();
        }
        catch (Exception e)
        {
            return (int)ErrorReporter.Report(e, console);
        }
    }
}
