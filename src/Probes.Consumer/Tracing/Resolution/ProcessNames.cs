using Probes.Consumer.Targets;

namespace Probes.Consumer.Tracing.Resolution;

/// <summary>
/// <c>-n/--name GLOB</c>: which names a process answers to. A .NET app started as
/// <c>dotnet MyApp.dll</c> has the comm "dotnet", so besides its comm and the file name of its
/// argv[0], the name of every <c>.dll</c> argument without the extension counts ("MyApp").
/// Globs are <c>*</c> and <c>?</c>, case-sensitive, whole-name.
/// </summary>
public static class ProcessNames
{
    public static bool Matches(string glob, string? comm, string? commandLine)
    {
        foreach (string name in NamesOf(comm, commandLine))
        {
            if (Glob.Matches(glob, name))
            {
                return true;
            }
        }
        return false;
    }

    private static IEnumerable<string> NamesOf(string? comm, string? commandLine)
    {
        if (comm is { Length: > 0 })
        {
            yield return comm;
        }
        // Arguments are joined by spaces (ProcessCommandLine); a path with spaces is missed, never mismatched.
        string[] words = (commandLine ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length > 0)
        {
            yield return Path.GetFileName(words[0]);
        }
        foreach (string word in words.Skip(1).Where(w => w.EndsWith(".dll", StringComparison.Ordinal)))
        {
            yield return Path.GetFileNameWithoutExtension(word);
        }
    }
}
