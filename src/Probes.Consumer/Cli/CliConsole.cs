namespace Probes.Consumer.Cli;

/// <summary>
/// Where a command writes: results to <see cref="Out"/>, errors, warnings and verbose notes
/// to <see cref="Error"/> (so <c>--json</c> output stays clean for pipes). Tests pass
/// StringWriters and assert exact lines without starting a process.
/// </summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error)
{
    public static CliConsole System => new(Console.Out, Console.Error);

    public void WriteError(string message) => Error.WriteLine($"probes: error: {message}");

    public void WriteWarning(string message) => Error.WriteLine($"probes: warning: {message}");

    public void WriteNote(string message) => Error.WriteLine($"probes: {message}");
}
