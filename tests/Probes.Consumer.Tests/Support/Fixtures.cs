using System.Collections.Concurrent;

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
/// Compiles the C fixtures in <c>Fixtures/</c> with gcc and sys/sdt.h, once per variant and
/// test run. They carry probes without semaphores (probes_plain.c: arguments in registers,
/// on the stack, in %rip-relative memory, constants, scale-index-base) and with semaphores
/// (probes_guarded.c).
/// </summary>
public static class Fixtures
{
    private static readonly ConcurrentDictionary<(FixtureKind, string), Lazy<string>> Built = new();

    public static readonly string[] OptimisationLevels = ["-O0", "-O2"];

    public static string Build(FixtureKind kind, string optimisation) =>
        Built.GetOrAdd((kind, optimisation), key => new Lazy<string>(() => Compile(key.Item1, key.Item2))).Value;

    private static string Compile(FixtureKind kind, string optimisation)
    {
        string gcc = Requirements.Tool("gcc");
        if (!File.Exists("/usr/include/x86_64-linux-gnu/sys/sdt.h") && !File.Exists("/usr/include/sys/sdt.h"))
        {
            Assert.Inconclusive("needs sys/sdt.h (apt-get install systemtap-sdt-dev)");
        }
        string source(string name) => Path.Combine(TestPaths.FixtureSources, name);
        string output = Path.Combine(TestPaths.ScratchDirectory, $"fixture-{kind}{optimisation}".ToLowerInvariant() + (kind == FixtureKind.SharedLibrary ? ".so" : ""));
        string[] probeSources = [source("probes_plain.c"), source("probes_guarded.c")];
        string[] flags = kind switch
        {
            FixtureKind.Pie => ["-fPIE", "-pie", source("main.c")],
            FixtureKind.NonPie => ["-fno-pie", "-no-pie", source("main.c")],
            FixtureKind.SharedLibrary => ["-fPIC", "-shared"],
            FixtureKind.Static => ["-static", source("main.c")],
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        ProcessRunner.Run(gcc, [optimisation, "-g", "-Wall", "-o", output, .. flags, .. probeSources], TimeSpan.FromMinutes(2))
            .EnsureSuccess($"gcc {kind} {optimisation}");
        return output;
    }
}
