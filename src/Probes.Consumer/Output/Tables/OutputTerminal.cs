using Spectre.Console;

namespace Probes.Consumer.Output.Tables;

/// <summary>
/// The Spectre console every table is written to. Whether it is a terminal is the caller's
/// knowledge (the CLI asks the process; tests say no, or use Spectre.Console.Testing): a terminal
/// gets its width, ANSI and colours as detected and is interactive (the live table redraws);
/// anything else (a file, a pipe, a test's writer) gets plain text and wide rows.
/// </summary>
public static class OutputTerminal
{
    /// <summary>A pipe or file has no width; whole rows are easier to grep than rows wrapped at Spectre's default of 80.</summary>
    public const int UnboundedWidth = 512;

    public static IAnsiConsole Create(TextWriter output, bool isTerminal)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = isTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = isTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = isTerminal ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!isTerminal)
        {
            console.Profile.Width = UnboundedWidth;
        }
        return console;
    }
}
