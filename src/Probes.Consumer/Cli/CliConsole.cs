using Probes.Consumer.Output;
using Probes.Consumer.Output.Tables;
using Spectre.Console;

namespace Probes.Consumer.Cli;

/// <summary>
/// Where a command writes: results to <see cref="Out"/>, errors, warnings and verbose notes
/// to <see cref="Error"/> (so <c>--json</c> output stays clean for pipes). Tests pass
/// StringWriters and assert exact lines without starting a process.
/// </summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error)
{
    public static CliConsole System
    {
        get
        {
            // Checked before Console.Out is touched: with descriptor 1 closed, the native executable's
            // Console.Out throws as it opens (under CoreCLR the host's own pipe has taken descriptor 1 by then).
            string? problem = StandardOutput.Problem();
            return problem is null
                ? new(Console.Out, Console.Error)
                {
                    // The one place the process asks whether stdout is a terminal; Output only reads the answer from the console.
                    Terminal = OutputTerminal.Create(Console.Out, isTerminal: !Console.IsOutputRedirected),
                    RawOut = StandardOutput.Open(),
                    ReaderGone = StandardOutput.ReaderGone,
                }
                : new(TextWriter.Null, Console.Error) { OutputProblem = problem };
        }
    }

    /// <summary>
    /// <see cref="Out"/> as a Spectre console, for tables: it carries the terminal's capabilities
    /// (width, ANSI, whether the live table may redraw). By default plain and not interactive,
    /// as tests want; tests of the live table pass a Spectre.Console.Testing console.
    /// </summary>
    public IAnsiConsole Terminal { get; init; } = OutputTerminal.Create(Out, isTerminal: false);

    /// <summary>Why stdout cannot be written at all (closed at start), or null; the command then fails before doing anything.</summary>
    public string? OutputProblem { get; init; }

    /// <summary>The real stdout as bytes, for high-volume writers; null in tests. Its writes fail once a pipe's reader has gone.</summary>
    public Stream? RawOut { get; init; }

    /// <summary>Whether stdout is a pipe whose reader has gone (<c>| head</c> exited); tests may fake it.</summary>
    public Func<bool> ReaderGone { get; init; } = () => false;

    /// <summary>
    /// Whether nobody reads what the command would print any more: then a command that runs
    /// until stopped stops (exit 0, everything detached), as <c>bpftrace | head</c> does.
    /// </summary>
    public bool OutputClosed => ReaderGone();

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
