namespace Probes.Consumer.Tests.Cli;

/// <summary>The trace verbs' C/C++ programs of tests/Fixtures, built with gcc/g++ and sys/sdt.h by <see cref="FixtureCompiler"/>.</summary>
internal static class TraceFixtures
{
    public static string ThrowCatch => Build("throw_catch.cpp", "g++");

    public static string TightLoop => Build("tight_loop.c", "gcc");

    public static string TerminalEscape => Build("terminal_escape.c", "gcc");

    public static string PhaseRace => Build("phase_race.c", "gcc");

    /// <summary>Debian's python3.11 (PATH may hold another build without probes, e.g. pyenv's).</summary>
    public const string Python = "/usr/bin/python3.11";

    public const string LibStdCxx = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";

    private static string Build(string source, string compiler) =>
        FixtureCompiler.Build(Path.GetFileNameWithoutExtension(source), compiler, ["-O2", "-g", "-Wall", FixtureCompiler.Source(source)]);
}
