namespace Probes.Consumer.Tests.Support;

/// <summary>Where the tests find the built CLI, our shim and a scratch directory (the repository: <see cref="RepoPaths"/>).</summary>
internal static class TestPaths
{
    private static readonly Lazy<string> Scratch = new(CreateScratch);
    private static readonly object ShimLock = new();

    /// <summary>The apphost of Probes.Consumer, copied next to the tests by the project reference.</summary>
    public static string ProbesExecutable => Path.Combine(AppContext.BaseDirectory, "probes");

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
