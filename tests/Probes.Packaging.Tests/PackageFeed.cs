using System.Diagnostics;
using System.IO.Compression;

namespace Probes.Packaging.Tests;

/// <summary>
/// One temp directory per test run, outside the repository (so no Directory.Build.props or
/// Directory.Packages.props of ours applies): clone/artifacts/packages/ holds what
/// scripts/pack.sh packed, where a clone of ours would have it (the README's commands name it
/// "$PROBES/artifacts/packages"); nuget/ is the NuGet global packages folder of every child (so
/// a package cached by an earlier run can never stand in for the one just packed). No
/// nuget.config of ours: the children see this machine's usual sources and what the README's
/// commands add to them, nothing else.
/// </summary>
internal sealed class PackageFeed : IDisposable
{
    public const string Version = "0.1.0";

    public static readonly string[] PackageIds = ["Probes.Sdk", "Probes.Hosting", "Probes.Fody", "Probes.Tool"];

    private PackageFeed(string root)
    {
        Root = root;
        Clone = Path.Combine(root, "clone");
        Feed = Path.Combine(Clone, "artifacts", "packages");
        GlobalPackages = Path.Combine(root, "nuget");
        Directory.CreateDirectory(Feed);
        Directory.CreateDirectory(GlobalPackages);
    }

    public string Root { get; }

    /// <summary>What the README calls $PROBES: a clone of ours after scripts/pack.sh.</summary>
    public string Clone { get; }

    public string Feed { get; }

    public string GlobalPackages { get; }

    public static PackageFeed Create()
    {
        string root = Path.Combine(Path.GetTempPath(), $"probes-packaging-{Guid.NewGuid():N}");
        if (root.StartsWith(RepoPaths.Root, StringComparison.Ordinal))
        {
            Assert.Fail($"the temp directory {root} is inside the repository; set TMPDIR elsewhere");
        }
        var feed = new PackageFeed(root);
        try
        {
            feed.Run("bash", [Path.Combine(RepoPaths.Root, "scripts", "pack.sh"), "--packages-only", feed.Feed], RepoPaths.Root, TimeSpan.FromMinutes(4))
                .EnsureSuccess("scripts/pack.sh");
        }
        catch
        {
            feed.Dispose();
            throw;
        }
        return feed;
    }

    public string Package(string id)
    {
        string path = Path.Combine(Feed, $"{id}.{Version}.nupkg");
        Assert.IsTrue(File.Exists(path), $"{path} was not packed; the feed has: {string.Join(", ", Directory.GetFiles(Feed).Select(Path.GetFileName))}");
        return path;
    }

    public static List<string> Entries(string package)
    {
        using ZipArchive zip = ZipFile.OpenRead(package);
        return zip.Entries.Select(e => e.FullName).ToList();
    }

    public static string ReadEntry(string package, string entry)
    {
        using ZipArchive zip = ZipFile.OpenRead(package);
        ZipArchiveEntry? found = zip.GetEntry(entry);
        Assert.IsNotNull(found, $"{package} has no {entry}");
        using var reader = new StreamReader(found.Open());
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Starts a child with the environment a developer's shell would give it: no MSBuild or
    /// test-host variables inherited from the `dotnet test` that runs us, and our own global
    /// packages folder. Its stdin is closed: nothing it runs waits for input.
    /// </summary>
    public LiveProcess Start(string file, IEnumerable<string> args, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (string key in info.Environment.Keys.ToList())
        {
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase)
                || key is "DOTNET_HOST_PATH" or "PROBES_LIBRARY" or "NUGET_PACKAGES")
            {
                info.Environment.Remove(key);
            }
        }
        info.Environment["NUGET_PACKAGES"] = GlobalPackages;
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        var process = new LiveProcess(info);
        process.StandardInput.Close();
        return process;
    }

    public ProcessResult Run(string file, IEnumerable<string> args, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        List<string> argList = args.ToList();
        var clock = Stopwatch.StartNew();
        using LiveProcess process = Start(file, argList, workingDirectory, environment);
        process.WaitForExit(timeout);
        ProcessResult result = process.Result;
        Console.WriteLine($"{Path.GetFileName(file)} {string.Join(' ', argList)}: exit {result.ExitCode} after {clock.Elapsed.TotalSeconds:F1} s");
        return result;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory must not fail the run.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
