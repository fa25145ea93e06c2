namespace Probes.Consumer.Tests.Support;

/// <summary>tests/Fixtures/phase_workload.c linked with the real probe sites of native/probes.c: a phase workload of known shape.</summary>
internal static class PhaseWorkload
{
    public const uint Alpha = 0x1001, Beta = 0x2002, Orphan = 0x3003, Stray = 0x4004, Tick = 0x5005, Outer = 0x6006, Inner = 0x7007;

    public static string Build() => FixtureCompiler.Build("phase_workload", "gcc",
        ["-O2", "-Wall", "-Werror", "-g0", FixtureCompiler.Source("phase_workload.c"), Path.Combine(RepoPaths.Root, "native", "probes.c")]);

    /// <summary>The arguments: ALPHA BETA ORPHANS STRAYS MARKS SLOW (see the source).</summary>
    public static string[] Arguments(int alpha, int beta, int orphans, int strays, int marks, int slow = 0) =>
        [$"{alpha}", $"{beta}", $"{orphans}", $"{strays}", $"{marks}", $"{slow}"];

    /// <summary>The shortest sleep of the workload's slow phases: inner i sleeps 120 + 30 i ms, and outer i holds it.</summary>
    public const int ShortestSlowMilliseconds = 120;
}
