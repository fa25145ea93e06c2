using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>The C/C++ programs of Cli/Fixtures, compiled once per test run with gcc/g++ and sys/sdt.h.</summary>
internal static class TraceFixtures
{
    private static readonly Dictionary<string, string> Built = [];

    public static string ThrowCatch => Build("throw_catch.cpp", "g++");

    public static string TightLoop => Build("tight_loop.c", "gcc");

    public static string TerminalEscape => Build("terminal_escape.c", "gcc");

    /// <summary>Debian's python3.11 (PATH may hold another build without probes, e.g. pyenv's).</summary>
    public const string Python = "/usr/bin/python3.11";

    public const string LibStdCxx = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";

    private static string Build(string source, string compiler)
    {
        lock (Built)
        {
            if (!Built.TryGetValue(source, out string? output))
            {
                string path = Path.Combine(TestPaths.RepoRoot, "tests", "Probes.Consumer.Tests", "Cli", "Fixtures", source);
                output = Path.Combine(TestPaths.ScratchDirectory, Path.GetFileNameWithoutExtension(source));
                ProcessRunner.Run(Requirements.Tool(compiler), ["-O2", "-g", "-Wall", "-o", output, path], TimeSpan.FromMinutes(2)).EnsureSuccess($"{compiler} {source}");
                Built[source] = output;
            }
            return output;
        }
    }
}
