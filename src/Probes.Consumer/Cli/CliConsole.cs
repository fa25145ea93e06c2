namespace Probes.Consumer.Cli;

/// <summary>
/// Where a command writes: results to <see cref="Out"/>, errors, warnings and verbose notes
/// to <see cref="Error"/> (so <c>--json</c> output stays clean for pipes). Tests pass
/// StringWriters and assert exact lines without starting a process.
/// </summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error)
{
    public static CliConsole System => new(Console.Out, Console.Error) { RawOut = Console.OpenStandardOutput() };

    /// <summary>The real stdout as bytes, for high-volume writers; null in tests.</summary>
    public Stream? RawOut { get; init; }

    /// <summary>A byte stream onto <see cref="Out"/>: the raw stdout when there is one.</summary>
    public Stream OutStream()
    {
        if (RawOut is null)
        {
            return new TextWriterStream(Out);
        }
        Out.Flush(); // text written before must come first
        return RawOut;
    }

    // Messages quote paths, probe and container names that a target chose: escape them.
    public void WriteError(string message) => Error.WriteLine($"probes: error: {TerminalText.Safe(message)}");

    public void WriteWarning(string message) => Error.WriteLine($"probes: warning: {TerminalText.Safe(message)}");

    public void WriteNote(string message) => Error.WriteLine($"probes: {TerminalText.Safe(message)}");
}
