using System.CommandLine;
using System.CommandLine.Parsing;

namespace Probes.Consumer.Cli;

/// <summary>
/// The first thing wrong with a command line, in the words a user of Unix tools expects:
/// <c>unknown command 'lsit' (did you mean 'list'?)</c>, <c>unknown option '--bogus'</c>,
/// <c>unexpected argument 'x'</c>, then the option parsers' own messages. The parser alone would
/// say "Required command was not provided" for a mistyped verb and would take an unknown option
/// for the FILE argument.
/// </summary>
public static class UsageErrors
{
    /// <summary>The message for the first error, or null when the command line is fine.</summary>
    public static string? First(ParseResult result)
    {
        Command command = result.CommandResult.Command;
        bool atRoot = command is RootCommand;
        if (FirstStrayToken(result) is { } stray)
        {
            if (LooksLikeOption(stray))
            {
                string name = stray.Split('=', 2)[0];
                return $"unknown option '{name}'{(atRoot ? "" : $" for 'probes {command.Name}'")}{Suggestion(name, OptionNames(result))}";
            }
            if (atRoot)
            {
                return $"unknown command '{stray}'{Suggestion(stray, Verbs(command), orList: true)}";
            }
            return $"unexpected argument '{stray}' for 'probes {command.Name}'";
        }
        if (result.Errors.Count == 0)
        {
            return null;
        }
        // The parser drops this one when the command's own check fails too ("--pid" alone: no target).
        if (result.CommandResult.Children.OfType<OptionResult>().FirstOrDefault(o => !o.Implicit && o.Tokens.Count == 0 && o.Option.Arity.MinimumNumberOfValues > 0) is { } bare)
        {
            return $"option '{bare.IdentifierToken?.Value ?? bare.Option.Name}' needs a value";
        }
        if (atRoot)
        {
            return $"no command given; the commands are {Sentence(Verbs(command))}";
        }
        // What is wrong with one option comes before what is wrong with their combination (the
        // command's checks), and the library's messages may span lines; ours never do.
        ParseError first = result.Errors.FirstOrDefault(e => e.SymbolResult is not CommandResult) ?? result.Errors[0];
        return string.Join(' ', first.Message.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>
    /// A token the command line could not place, or one that looks like an option but landed in
    /// a positional argument (what follows <c>--</c> is an argument whatever it looks like).
    /// </summary>
    private static string? FirstStrayToken(ParseResult result)
    {
        var positional = result.CommandResult.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens).Select(t => t.Value).ToHashSet(StringComparer.Ordinal);
        var unmatched = result.UnmatchedTokens.ToHashSet(StringComparer.Ordinal);
        foreach (Token token in result.Tokens)
        {
            if (token.Type == TokenType.DoubleDash)
            {
                break;
            }
            if (token.Type == TokenType.Argument && (unmatched.Contains(token.Value) || (LooksLikeOption(token.Value) && positional.Contains(token.Value))))
            {
                return token.Value;
            }
        }
        return result.UnmatchedTokens.FirstOrDefault();
    }

    private static bool LooksLikeOption(string token) => token.Length > 1 && token[0] == '-';

    private static IEnumerable<string> Verbs(Command root) => root.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);

    private static IEnumerable<string> OptionNames(ParseResult result)
    {
        IEnumerable<Option> options = result.CommandResult.Command.Options;
        if (result.CommandResult.Command is not RootCommand)
        {
            options = options.Concat(result.RootCommandResult.Command.Options.Where(o => o.Recursive));
        }
        return options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal));
    }

    /// <summary>" (did you mean 'list'?)" for a near miss; with <paramref name="orList"/>, the choices otherwise.</summary>
    private static string Suggestion(string typed, IEnumerable<string> choices, bool orList = false)
    {
        List<string> all = choices.Distinct(StringComparer.Ordinal).ToList();
        (string Name, int Distance)? nearest = all.Select(c => (Name: c, Distance: Distance(typed, c))).OrderBy(c => c.Distance).Cast<(string, int)?>().FirstOrDefault();
        // A near miss: a typo or two, never more than a third of the word.
        if (nearest is { } near && near.Distance <= Math.Max(1, Math.Min(2, near.Name.Length / 3)))
        {
            return $" (did you mean '{near.Name}'?)";
        }
        return orList && all.Count > 0 ? $"; the commands are {Sentence(all)}" : "";
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1.</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }

    private static string Sentence(IEnumerable<string> words)
    {
        string[] all = words.ToArray();
        return all.Length <= 1 ? string.Concat(all) : $"{string.Join(", ", all[..^1])} and {all[^1]}";
    }
}
