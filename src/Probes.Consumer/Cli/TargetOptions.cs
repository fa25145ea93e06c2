using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Probes.Consumer.Tracing.Resolution;

namespace Probes.Consumer.Cli;

/// <summary>
/// The target a verb takes, declared once for every verb: an ELF FILE, <c>--pid PID</c> or
/// <c>--container NAME_OR_ID</c> (one for <c>list</c>, repeatable for the tracing verbs), and for
/// <c>phases</c> also <c>--image NAME</c> and <c>--all</c>; exactly one of them. The parsed values
/// become a <see cref="TargetRequest"/>.
/// </summary>
public sealed class TargetOptions
{
    private readonly Option<string?>? _container;
    private readonly Option<string[]>? _containers;
    private readonly Option<string?>? _image;
    private readonly Option<bool>? _all;
    private readonly Option<string?>? _name;
    private readonly string _exactlyOne;

    private TargetOptions(Argument<string?> file, Option<int?> pid, Option<string?>? container, Option<string[]>? containers, Option<string?>? image, Option<bool>? all, string exactlyOne,
        Option<string?>? name = null)
    {
        _name = name;
        File = file;
        Pid = pid;
        _container = container;
        _containers = containers;
        _image = image;
        _all = all;
        _exactlyOne = exactlyOne;
    }

    public Argument<string?> File { get; }

    public Option<int?> Pid { get; }

    /// <summary><c>probes list</c>'s target: one file, process or container.</summary>
    public static TargetOptions ForListing() => new(
        FileArgument("List the probes of this ELF file (executable or shared library)."),
        PidOption("List the probes of every ELF file mapped by this process (host pid)."),
        new Option<string?>("--container", "-c")
        {
            Description = "List the probes of the processes in this container: a podman name, a full id or an id prefix.",
            CustomParser = result => CommonOptions.ParseNonEmpty(result, "--container"),
        },
        containers: null, image: null, all: null,
        "give exactly one target: FILE, --pid PID or --container NAME_OR_ID");

    /// <summary>
    /// The target of <c>trace</c> and <c>phases</c>. Every target is attached at the file level,
    /// so processes that start later are covered; <paramref name="imageAndAll"/> adds the targets
    /// that only make sense for libprobes.so (<c>phases</c>).
    /// </summary>
    public static TargetOptions ForTracing(bool imageAndAll) => new(
        FileArgument("An ELF file (executable or shared library, such as libprobes.so): every process that maps it, including those started later."),
        PidOption("Only this process (host pid)."),
        container: null,
        new Option<string[]>("--container", "-c")
        {
            Description = "Only this container: a podman name, a full id or an id prefix, or a glob (* and ?) over the running containers' names and ids (repeatable); processes it starts later are covered.",
            CustomParser = result => CommonOptions.ParseNonEmptyValues(result, "--container"),
        },
        imageAndAll
            ? new Option<string?>("--image")
            {
                Description = "Every container of this podman image, including containers started later; a glob (* and ?) means every image podman has that matches.",
                CustomParser = result => CommonOptions.ParseNonEmpty(result, "--image"),
            }
            : null,
        imageAndAll ? new Option<bool>("--all") { Description = "Every process on the host that maps libprobes.so now, in or out of containers." } : null,
        imageAndAll
            ? "give exactly one target: FILE, --pid PID, --container NAME (repeatable), --image NAME, --all or --name PROCESS"
            : "give exactly one target: FILE, --pid PID or --container NAME_OR_ID (repeatable)",
        imageAndAll
            ? new Option<string?>("--name", "-n")
            {
                Description = "Every running process that maps libprobes.so and is named so (a glob: * and ?): its comm, its program's file name, or a .dll it runs (MyApp for 'dotnet MyApp.dll').",
                CustomParser = result => CommonOptions.ParseNonEmpty(result, "--name"),
            }
            : null);

    /// <summary>Adds the target's argument and options to <paramref name="command"/>, and the check that exactly one target is given.</summary>
    public void AddTo(Command command)
    {
        command.Arguments.Add(File);
        command.Options.Add(Pid);
        foreach (Option option in new Option?[] { _container, _containers, _image, _all, _name }.OfType<Option>())
        {
            command.Options.Add(option);
        }
        command.Validators.Add(result =>
        {
            // Presence only: a value that failed to convert has its own error already.
            int given = new[] { result.GetResult(File)?.Tokens.Count, result.GetResult(Pid)?.Tokens.Count, Tokens(result, _container), Tokens(result, _containers), Tokens(result, _image), Tokens(result, _name) }
                .Count(tokens => tokens > 0) + (_all is not null && result.GetValue(_all) ? 1 : 0);
            if (given != 1)
            {
                result.AddError(_exactlyOne);
            }
        });
    }

    public TargetRequest Request(ParseResult parse) => new()
    {
        File = parse.GetValue(File),
        Pid = parse.GetValue(Pid),
        Containers = _containers is not null ? parse.GetValue(_containers) ?? []
            : _container is not null && parse.GetValue(_container) is { } one ? [one]
            : [],
        Image = _image is not null ? parse.GetValue(_image) : null,
        All = _all is not null && parse.GetValue(_all),
        Name = _name is not null ? parse.GetValue(_name) : null,
    };

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

    private static int? Tokens(CommandResult result, Option? option) => option is null ? null : result.GetResult(option)?.Tokens.Count;

    private static Argument<string?> FileArgument(string description) => new("file")
    {
        Description = description,
        Arity = ArgumentArity.ZeroOrOne,
        CustomParser = result => CommonOptions.ParseNonEmpty(result, "FILE"),
    };

    private static Option<int?> PidOption(string description) => new("--pid", "-p")
    {
        Description = description,
        CustomParser = ParsePid,
    };
}
