using Probes.Consumer.Tracing;

namespace Probes.Consumer.Cli;

/// <summary>The tracing layer's diagnostics on stderr: notes and warnings always, details with <c>--verbose</c>.</summary>
public sealed class ConsoleDiagnostics(CliConsole console, bool verbose) : IDiagnosticSink
{
    public void Detail(string message)
    {
        if (verbose)
        {
            console.WriteNote(message);
        }
    }

    public void Note(string message) => console.WriteNote(message);

    public void Warning(string message) => console.WriteWarning(message);
}
