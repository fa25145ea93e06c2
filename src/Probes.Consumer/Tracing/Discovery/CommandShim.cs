using Probes.Consumer.Targets;

namespace Probes.Consumer.Tracing.Discovery;

/// <summary>
/// <c>probes phases -- CMD [ARGS]</c>: the libprobes.so the command will load, so the tracer can
/// attach to that file before the command starts (the SDK loads the shim lazily, at its first
/// probe, and a process attached by pid misses what came before). The command is then started
/// with <c>PROBES_LIBRARY</c> naming this file, so it loads exactly the file attached.
/// </summary>
public static class CommandShim
{
    /// <summary>Where a build or publish folder keeps the SDK's shim, relative to the app's own files.</summary>
    private static readonly string[] BesideTheApp = ["runtimes/linux-x64/native/libprobes.so", "libprobes.so"];

    /// <param name="command">The command and its arguments, as given after <c>--</c>.</param>
    /// <param name="given">A shim named on the command line (FILE before <c>--</c>), or null.</param>
    /// <param name="environment">The <c>PROBES_LIBRARY</c> of our environment, or null.</param>
    public static string Find(IReadOnlyList<string> command, string? given, string? environment)
    {
        if ((given ?? environment) is { Length: > 0 } named)
        {
            return File.Exists(named) ? Path.GetFullPath(named) : throw new TargetNotFoundException($"no file {named} (the libprobes.so the command is to load)");
        }
        // The program, and then each argument naming a file (dotnet app.dll): the shim beside it.
        foreach (string word in command)
        {
            if (!File.Exists(word))
            {
                continue;
            }
            string directory = Path.GetDirectoryName(Path.GetFullPath(word))!;
            foreach (string relative in BesideTheApp)
            {
                string candidate = Path.Combine(directory, relative);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        throw new TargetNotFoundException($"cannot tell which libprobes.so '{string.Join(' ', command)}' will load (none beside the files it names); "
            + "give it before --: probes phases PATH/libprobes.so -- COMMAND");
    }
}
