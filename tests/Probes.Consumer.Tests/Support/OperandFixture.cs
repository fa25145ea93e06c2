namespace Probes.Consumer.Tests.Support;

/// <summary>
/// Fixtures/operands.c (every operand form gcc writes into stapsdt notes, with the values it
/// passes printed) compiled at test time as a PIE, a fixed-address executable, or a shared
/// library with Fixtures/operands_main.c linked against it, at one optimisation level.
/// <see cref="Executable"/> is what to run ("ready PID", then a line on stdin fires every probe
/// ITERATIONS times); <see cref="ProbeFile"/> is the file whose notes hold the probes.
/// </summary>
public sealed record OperandFixture(FixtureKind Kind, string Optimisation, string Executable, string ProbeFile)
{
    /// <summary>The probes of operands.c, in the order it fires them.</summary>
    public static readonly string[] ProbeNames = ["widths", "globals", "arrays", "offsets", "pointers", "constants", "tls", "floats", "written"];

    public static readonly string[] OptimisationLevels = ["-O0", "-O2", "-O3"];

    public static readonly FixtureKind[] Kinds = [FixtureKind.Pie, FixtureKind.NonPie, FixtureKind.SharedLibrary];

    /// <summary>Every kind at every level, for [DynamicData].</summary>
    public static IEnumerable<object[]> Variants =>
        from kind in Kinds
        from level in OptimisationLevels
        select new object[] { kind, level };

    public static OperandFixture Build(FixtureKind kind, string optimisation) => Build(kind, optimisation, stripped: false);

    /// <summary>The same, with the symbol tables that name globals removed (<c>-s</c>, as <c>strip</c> does): what a distribution ships.</summary>
    public static OperandFixture BuildStripped(FixtureKind kind, string optimisation) => Build(kind, optimisation, stripped: true);

    private static OperandFixture Build(FixtureKind kind, string optimisation, bool stripped)
    {
        string source(string name) => FixtureCompiler.Source(name);
        string[] common = [optimisation, "-Wall", "-Werror", "-g0"];
        string[] strip = stripped ? ["-s"] : [];
        switch (kind)
        {
            case FixtureKind.Pie:
                string pie = FixtureCompiler.Build("operands", "gcc", [.. common, .. strip, "-fPIE", "-pie", source("operands.c"), source("operands_main.c")]);
                return new OperandFixture(kind, optimisation, pie, pie);
            case FixtureKind.NonPie:
                string fixedAddress = FixtureCompiler.Build("operands", "gcc", [.. common, .. strip, "-fno-pie", "-no-pie", source("operands.c"), source("operands_main.c")]);
                return new OperandFixture(kind, optimisation, fixedAddress, fixedAddress);
            case FixtureKind.SharedLibrary:
                string library = FixtureCompiler.Build("liboperands.so", "gcc", [.. common, .. strip, "-fPIC", "-shared", "-DOPERANDS_SHARED", source("operands.c")]);
                string executable = FixtureCompiler.Build("operands", "gcc", [.. common, source("operands_main.c"), library, $"-Wl,-rpath,{Path.GetDirectoryName(library)}"]);
                return new OperandFixture(kind, optimisation, executable, library);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "operands.c is built as a PIE, a fixed-address executable or a shared library");
        }
    }
}
