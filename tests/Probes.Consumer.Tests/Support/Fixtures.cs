namespace Probes.Consumer.Tests.Support;

/// <summary>How a fixture is linked: where its addresses start and how it is loaded.</summary>
public enum FixtureKind
{
    /// <summary>Position-independent executable (ET_DYN, addresses from 0).</summary>
    Pie,

    /// <summary>Fixed-address executable (ET_EXEC, addresses from 0x400000).</summary>
    NonPie,

    /// <summary>Shared library (ET_DYN) holding only the probe functions.</summary>
    SharedLibrary,

    /// <summary>Statically linked PIE-less executable: a container image needs nothing else.</summary>
    Static,
}

/// <summary>
/// The probe fixture of <c>tests/Fixtures</c> (main.c with probes_plain.c and probes_guarded.c),
/// built by <see cref="FixtureCompiler"/> once per kind and optimisation level. It carries probes
/// without semaphores (probes_plain.c: arguments in registers, on the stack, in %rip-relative
/// memory, constants, scale-index-base) and with semaphores (probes_guarded.c).
/// </summary>
public static class Fixtures
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(30);

    public static readonly string[] OptimisationLevels = ["-O0", "-O2"];

    public static string Build(FixtureKind kind, string optimisation)
    {
        string source(string name) => FixtureCompiler.Source(name);
        string output = $"fixture-{kind}{optimisation}".ToLowerInvariant() + (kind == FixtureKind.SharedLibrary ? ".so" : "");
        string[] probeSources = [source("probes_plain.c"), source("probes_guarded.c")];
        string[] flags = kind switch
        {
            FixtureKind.Pie => ["-fPIE", "-pie", source("main.c")],
            FixtureKind.NonPie => ["-fno-pie", "-no-pie", source("main.c")],
            FixtureKind.SharedLibrary => ["-fPIC", "-shared"],
            FixtureKind.Static => ["-static", source("main.c")],
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        return FixtureCompiler.Build(output, "gcc", [optimisation, "-g", "-Wall", .. flags, .. probeSources]);
    }

    /// <summary>Runs a built fixture with "wait": it has printed "ready" and keeps firing its probes until disposed.</summary>
    public static LiveProcess StartWaiting(string path, IDictionary<string, string>? environment = null)
    {
        var process = new LiveProcess(path, ["wait"], environment);
        try
        {
            process.WaitForStdout("ready", StartLimit);
            return process;
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }
}
