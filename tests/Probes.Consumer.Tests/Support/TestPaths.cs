namespace Probes.Consumer.Tests.Support;

/// <summary>Where the tests find the built CLI, our shim and a scratch directory (the repository: <see cref="RepoPaths"/>).</summary>
internal static class TestPaths
{
    private static readonly Lazy<string> Scratch = new(CreateScratch);
    private static readonly object ShimLock = new();

    /// <summary>
    /// The <c>probes</c> the CLI tests run: PROBES_CLI when set (scripts/test.sh sets it to the Native AOT
    /// executable for a second pass), otherwise the apphost of the IL build, copied next to the tests by
    /// the project reference.
    /// </summary>
    public static string ProbesExecutable => Cli.Value;

    private static readonly Lazy<string> Cli = new(() => ResolveProbesExecutable(Environment.GetEnvironmentVariable("PROBES_CLI")));

    internal static string ResolveProbesExecutable(string? configured)
    {
        if (string.IsNullOrEmpty(configured))
        {
            return Path.Combine(AppContext.BaseDirectory, "probes");
        }
        // A wrong path must fail every CLI test loudly, not fall back to the IL build and pass unseen.
        string path = Path.GetFullPath(configured);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"PROBES_CLI={configured}: no such file (build it with scripts/pack.sh)");
    }

    /// <summary>A directory for this test run's files (copies, reports), removed at the end of the run.</summary>
    public static string ScratchDirectory => Scratch.Value;

    public static bool HasScratch => Scratch.IsValueCreated;

    /// <summary>Our shim as the SDK build made it; built with make when missing.</summary>
    public static string LibProbes
    {
        get
        {
            string path = Path.Combine(RepoPaths.Root, "native", "build", "libprobes.so");
            lock (ShimLock)
            {
                if (!File.Exists(path))
                {
                    ProcessRunner.Run(Requirements.Tool("make"), ["-C", Path.Combine(RepoPaths.Root, "native")], TimeSpan.FromMinutes(2)).EnsureSuccess("make -C native");
                }
            }
            return path;
        }
    }

    private static string CreateScratch()
    {
        string path = Path.Combine(Path.GetTempPath(), $"probes-consumer-tests-{Environment.ProcessId}");
        Directory.CreateDirectory(path);
        return path;
    }
}
