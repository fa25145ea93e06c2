namespace Probes.Testing;

/// <summary>Finds the repository and the build outputs of sibling projects from a test run.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootDirectory = new(FindRoot);

    public static string Root => RootDirectory.Value;

    /// <summary>Debug or Release: the configuration this test assembly was built with.</summary>
    public static string Configuration =>
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent?.Name ?? "Debug";

    /// <summary>A file in the build output of <paramref name="projectDirectory"/> (relative to the root).</summary>
    public static string BuildOutput(string projectDirectory, string framework, string file)
    {
        string path = Path.Combine(Root, projectDirectory, "bin", Configuration, framework, file);
        if (!File.Exists(path))
        {
            Assert.Fail($"{path} is missing: build the solution first (dotnet build Probes.sln -c {Configuration})");
        }
        return path;
    }

    private static string FindRoot()
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
}
