using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Probes.Consumer.Cli;

/// <summary>
/// The target every verb takes, declared once: an ELF FILE, <c>--pid PID</c> or
/// <c>--container NAME_OR_ID</c>, exactly one of them.
/// </summary>
public sealed class TargetOptions
{
    private TargetOptions(Argument<string?> file, Option<int?> pid, Option<string?> container)
    {
        File = file;
        Pid = pid;
        Container = container;
    }

    public Argument<string?> File { get; }

    public Option<int?> Pid { get; }

    public Option<string?> Container { get; }

    /// <param name="verb">"List", "Trace", ...: the first word of each description.</param>
    public static TargetOptions Create(string verb) => new(
        new Argument<string?>("file")
        {
            Description = $"{verb} the probes of this ELF file (executable or shared library); tracing covers every process that maps it.",
            Arity = ArgumentArity.ZeroOrOne,
            CustomParser = result => CommonOptions.ParseNonEmpty(result, "FILE"),
        },
        new Option<int?>("--pid", "-p")
        {
            Description = $"{verb} the probes of every ELF file mapped by this process (host pid).",
            CustomParser = ParsePid,
        },
        new Option<string?>("--container", "-c")
        {
            Description = $"{verb} the probes of the processes in this container: a podman name, a full id or an id prefix.",
            CustomParser = result => CommonOptions.ParseNonEmpty(result, "--container"),
        });

    public void AddValidator(Command command) => command.Validators.Add(result =>
    {
        // Presence only: a value that failed to convert has its own error already.
        int targets = new[] { result.GetResult(File)?.Tokens.Count, result.GetResult(Pid)?.Tokens.Count, result.GetResult(Container)?.Tokens.Count }
            .Count(tokens => tokens > 0);
        if (targets != 1)
        {
            result.AddError("give exactly one target: FILE, --pid PID or --container NAME_OR_ID");
        }
    });

    public TraceTarget Resolve(ParseResult parse) => TraceTarget.From(parse.GetValue(File), parse.GetValue(Pid), parse.GetValue(Container));

    /// <summary>The one check of a --pid value, shared by every verb that takes one.</summary>
    public static int? ParsePid(ArgumentResult result)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value <= 0)
        {
            result.AddError($"--pid must be a positive process id, not '{text}'");
            return null;
        }
        return value;
    }
}
