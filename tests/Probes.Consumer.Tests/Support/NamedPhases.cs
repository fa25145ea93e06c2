namespace Probes.Consumer.Tests.Support;

/// <summary>tests/Fixtures/named_phases.c linked against native/probes.c built as a libprobes.so: a host process whose phase name the test chooses.</summary>
internal static class NamedPhases
{
    public static string Build()
    {
        string shim = FixtureCompiler.Build("libprobes.so", "gcc", ["-shared", "-fPIC", "-O2", "-Wl,-soname,libprobes.so", Path.Combine(RepoPaths.Root, "native", "probes.c")]);
        return FixtureCompiler.Build("named_phases", "gcc", ["-O2", "-Wall", "-Werror", FixtureCompiler.Source("named_phases.c"), "-ldl", $"-Wl,-rpath,{Path.GetDirectoryName(shim)}"]);
    }
}
