namespace Probes.Consumer.Tests.Support;

/// <summary>Where the tests find the repository, the built CLI, our shim and a scratch directory.</summary>
internal static class TestPaths
{
    private static readonly Lazy<string> Root = new(FindRepoRoot);
    private static readonly Lazy<string> Scratch = new(CreateScratch);
    private static readonly object ShimLock = new();

    public static string RepoRoot => Root.Value;

    /// <summary>The apphost of Probes.Consumer, copied next to the tests by the project reference.</summary>
    public static string ProbesExecutable => Path.Combine(AppContext.BaseDirectory, "probes");

    public static string FixtureSources => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    /// <summary>A directory for this test run's compiled fixtures, removed at the end of the run.</summary>
    public static string ScratchDirectory => Scratch.Value;

    public static bool HasScratch => Scratch.IsValueCreated;

    /// <summary>Our shim as the SDK build made it; built with make when missing.</summary>
    public static string LibProbes
    {
        get
        {
            string path = Path.Combine(RepoRoot, "native", "build", "libprobes.so");
            lock (ShimLock)
            {
                if (!File.Exists(path))
                {
                    ProcessRunner.Run(Requirements.Tool("make"), ["-C", Path.Combine(RepoRoot, "native")], TimeSpan.FromMinutes(2)).EnsureSuccess("make -C native");
                }
            }
            return path;
        }
    }

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Probes.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"no Probes.sln above {AppContext.BaseDirectory}");
    }

    private static string CreateScratch()
    {
        string path = Path.Combine(Path.GetTempPath(), $"probes-consumer-tests-{Environment.ProcessId}");
        Directory.CreateDirectory(path);
        return path;
    }
}
