using System.Text;

namespace Probes.Consumer.Export.Otlp;

/// <summary>
/// The entry assembly's name of a .NET process, from its command line (<c>/proc/PID/cmdline</c>,
/// NUL-separated): <c>dotnet [exec] [host options] X.dll ...</c> gives X; an apphost
/// (<c>/app/X ...</c>) gives its file name X. The command line is the target's: it is only read as
/// text, never used as a path to open, at most <see cref="MaxCommandLineBytes"/> of it is looked
/// at, and the name is bounded and stripped of control characters.
/// </summary>
public static class EntryAssembly
{
    public const int MaxCommandLineBytes = 16 * 1024;
    public const int MaxArguments = 64;

    /// <summary>The host's options that take a value (<c>dotnet exec --help</c>): their value is no assembly.</summary>
    private static readonly HashSet<string> OptionsWithValue = new(StringComparer.Ordinal)
    {
        "--runtimeconfig", "--depsfile", "--additionalprobingpath", "--additional-deps", "--fx-version", "--roll-forward", "--roll-forward-on-no-candidate-fx",
    };

    /// <summary>The entry assembly's name, or null when the command line names none (<c>dotnet</c> alone, <c>dotnet run</c>, empty).</summary>
    public static string? FromCommandLine(ReadOnlySpan<byte> commandLine)
    {
        List<string> arguments = Split(commandLine[..Math.Min(commandLine.Length, MaxCommandLineBytes)]);
        if (arguments.Count == 0 || FileName(arguments[0]) is not { } program)
        {
            return null;
        }
        if (program is not ("dotnet" or "dotnet.exe"))
        {
            return ServiceNames.Clean(program); // an apphost carries its assembly's name
        }
        int i = 1;
        if (i < arguments.Count && arguments[i] == "exec")
        {
            i++;
        }
        while (i < arguments.Count && arguments[i].StartsWith("--", StringComparison.Ordinal))
        {
            i += OptionsWithValue.Contains(arguments[i]) ? 2 : 1;
        }
        if (i < arguments.Count && arguments[i].EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && FileName(arguments[i]) is { } dll)
        {
            return ServiceNames.Clean(dll[..^".dll".Length]);
        }
        return null;
    }

    /// <summary>The last path component, or null when there is none.</summary>
    private static string? FileName(string path)
    {
        string name = path[(path.LastIndexOf('/') + 1)..];
        return name.Length > 0 ? name : null;
    }

    private static List<string> Split(ReadOnlySpan<byte> commandLine)
    {
        var arguments = new List<string>();
        while (!commandLine.IsEmpty && arguments.Count < MaxArguments)
        {
            int end = commandLine.IndexOf((byte)0);
            arguments.Add(Encoding.UTF8.GetString(end < 0 ? commandLine : commandLine[..end]));
            commandLine = end < 0 ? default : commandLine[(end + 1)..];
        }
        return arguments;
    }
}
