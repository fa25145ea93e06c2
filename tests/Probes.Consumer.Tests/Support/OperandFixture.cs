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

    private static readonly Dictionary<(FixtureKind, string, bool), OperandFixture> Built = [];

    /// <summary>Every kind at every level, for [DynamicData].</summary>
    public static IEnumerable<object[]> Variants =>
        from kind in Kinds
        from level in OptimisationLevels
        select new object[] { kind, level };

    public static OperandFixture Build(FixtureKind kind, string optimisation) => Build(kind, optimisation, stripped: false);

    /// <summary>The same, with the symbol tables that name globals removed (<c>strip</c>): what a distribution ships.</summary>
    public static OperandFixture BuildStripped(FixtureKind kind, string optimisation) => Build(kind, optimisation, stripped: true);

    private static OperandFixture Build(FixtureKind kind, string optimisation, bool stripped)
    {
        lock (Built)
        {
            if (Built.TryGetValue((kind, optimisation, stripped), out OperandFixture? cached))
            {
                return cached;
            }
            string gcc = Requirements.Tool("gcc");
            string source(string name) => Path.Combine(TestPaths.FixtureSources, name);
            string directory = Path.Combine(TestPaths.ScratchDirectory, $"operands-{kind}{optimisation}{(stripped ? "-stripped" : "")}".ToLowerInvariant());
            Directory.CreateDirectory(directory);
            string[] common = [optimisation, "-Wall", "-Werror", "-g0"];
            string executable = Path.Combine(directory, "operands");
            string probeFile = executable;
            switch (kind)
            {
                case FixtureKind.Pie:
                    Compile(gcc, [.. common, "-fPIE", "-pie", "-o", executable, source("operands.c"), source("operands_main.c")]);
                    break;
                case FixtureKind.NonPie:
                    Compile(gcc, [.. common, "-fno-pie", "-no-pie", "-o", executable, source("operands.c"), source("operands_main.c")]);
                    break;
                case FixtureKind.SharedLibrary:
                    probeFile = Path.Combine(directory, "liboperands.so");
                    Compile(gcc, [.. common, "-fPIC", "-shared", "-DOPERANDS_SHARED", "-o", probeFile, source("operands.c")]);
                    Compile(gcc, [.. common, "-o", executable, source("operands_main.c"), probeFile, $"-Wl,-rpath,{directory}"]);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(kind), kind, "operands.c is built as a PIE, a fixed-address executable or a shared library");
            }
            if (stripped)
            {
                ProcessRunner.Run(Requirements.Tool("strip"), [probeFile], TimeSpan.FromMinutes(1)).EnsureSuccess("strip");
            }
            var fixture = new OperandFixture(kind, optimisation, executable, probeFile);
            Built[(kind, optimisation, stripped)] = fixture;
            return fixture;
        }
    }

    private static void Compile(string gcc, string[] arguments) =>
        ProcessRunner.Run(gcc, arguments, TimeSpan.FromMinutes(2)).EnsureSuccess($"gcc {string.Join(' ', arguments)}");
}
