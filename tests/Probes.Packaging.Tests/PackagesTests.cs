using System.Diagnostics;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;
using System.Text.Json;

namespace Probes.Packaging.Tests;

/// <summary>
/// The packages as a stranger uses them: scripts/pack.sh into a local feed; a fresh console
/// project outside the repository that gets Probes.Sdk, Probes.Fody and Fody from that feed by
/// `dotnet add package`, is woven by the build, runs, and is traced by the `probes` tool
/// installed from the same feed.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class PackagesTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(2);
    private static PackageFeed? _feed;

    private static PackageFeed Feed => _feed ?? throw new InvalidOperationException("the feed was not packed");

    [ClassInitialize]
    public static void Pack(TestContext context) => _feed = PackageFeed.Create();

    [ClassCleanup]
    public static void Clean() => _feed?.Dispose();

    [TestMethod]
    public void Every_package_has_its_layout_and_metadata()
    {
        List<string> sdk = PackageFeed.Entries(Feed.Package("Probes.Sdk"));
        CollectionAssert.Contains(sdk, "lib/net8.0/Probes.Sdk.dll");
        CollectionAssert.Contains(sdk, "runtimes/linux-x64/native/libprobes.so");

        List<string> hosting = PackageFeed.Entries(Feed.Package("Probes.Hosting"));
        CollectionAssert.Contains(hosting, "lib/net8.0/Probes.Hosting.dll");

        // Fody's add-in layout: the weaver where Fody looks, and the props that names it.
        List<string> fody = PackageFeed.Entries(Feed.Package("Probes.Fody"));
        CollectionAssert.Contains(fody, "weaver/Probes.Fody.dll");
        CollectionAssert.Contains(fody, "build/Probes.Fody.props");
        Assert.IsFalse(fody.Any(e => e.StartsWith("lib/", StringComparison.Ordinal)), "the weaver must not become a compile reference");
        string fodyNuspec = PackageFeed.ReadEntry(Feed.Package("Probes.Fody"), "Probes.Fody.nuspec");
        StringAssert.Contains(fodyNuspec, "<dependency id=\"Fody\"");
        StringAssert.Contains(fodyNuspec, $"<dependency id=\"Probes.Sdk\" version=\"{PackageFeed.Version}\"");

        List<string> tool = PackageFeed.Entries(Feed.Package("Probes.Tool"));
        CollectionAssert.Contains(tool, "tools/net10.0/any/probes.dll");
        CollectionAssert.Contains(tool, "tools/net10.0/any/DotnetToolSettings.xml");
        StringAssert.Contains(PackageFeed.ReadEntry(Feed.Package("Probes.Tool"), "tools/net10.0/any/DotnetToolSettings.xml"), "Name=\"probes\"");

        foreach (string id in PackageFeed.PackageIds)
        {
            string package = Feed.Package(id);
            CollectionAssert.Contains(PackageFeed.Entries(package), "README.md", id);
            string nuspec = PackageFeed.ReadEntry(package, $"{id}.nuspec");
            StringAssert.Contains(nuspec, $"<version>{PackageFeed.Version}</version>", id);
            StringAssert.Contains(nuspec, "<license type=\"expression\">MIT</license>", id);
            StringAssert.Contains(nuspec, "<readme>README.md</readme>", id);
            StringAssert.Contains(nuspec, "<description>", id);
        }
    }

    [TestMethod]
    [TestCategory("Kernel")]
    public void A_fresh_project_from_the_feed_is_woven_runs_and_is_traced_by_the_packaged_tool()
    {
        Requirements.Root();
        string dotnet = Requirements.Which("dotnet") ?? "dotnet";
        string project = Path.Combine(Feed.Root, "FreshApp");

        Feed.Run(dotnet, ["new", "console", "--name", "FreshApp", "--output", project, "--framework", "net10.0"], Feed.Root, Step).EnsureSuccess("dotnet new console");
        foreach ((string id, string version) in new[] { ("Probes.Sdk", PackageFeed.Version), ("Probes.Fody", PackageFeed.Version), ("Fody", "6.9.3") })
        {
            Feed.Run(dotnet, ["add", "package", id, "--version", version], project, Step).EnsureSuccess($"dotnet add package {id}");
        }
        // The packages came from this run's feed, not from a cache of an earlier one.
        Assert.IsTrue(Directory.Exists(Path.Combine(Feed.GlobalPackages, "probes.sdk", PackageFeed.Version)), "Probes.Sdk was not restored from the feed");
        Assert.IsTrue(Directory.Exists(Path.Combine(Feed.GlobalPackages, "probes.fody", PackageFeed.Version)), "Probes.Fody was not restored from the feed");

        File.WriteAllText(Path.Combine(project, "FodyWeavers.xml"), """
            <Weavers>
              <Probes />
            </Weavers>
            """);
        File.WriteAllText(Path.Combine(project, "Program.cs"), """
            using Probes;

            // Runs phases until a line (or end of input) arrives on stdin, at most two minutes.
            Console.WriteLine($"ready {Environment.ProcessId}");
            Task<string?> stop = Task.Run(Console.In.ReadLine);
            var work = new Work();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            int rounds = 0;
            while (!stop.IsCompleted && clock.Elapsed < TimeSpan.FromMinutes(2))
            {
                work.Load();
                await work.SaveAsync();
                rounds++;
            }
            Console.WriteLine($"done {rounds}");

            public sealed class Work
            {
                [ProbePhase]
                public void Load() => Thread.Sleep(2);

                [ProbePhase("Fresh.Save")]
                public async Task SaveAsync() => await Task.Delay(2);
            }
            """);
        Feed.Run(dotnet, ["build", "-c", "Release", "-nologo"], project, Step).EnsureSuccess("dotnet build of the fresh project");

        string output = Path.Combine(project, "bin", "Release", "net10.0");
        string manifest = ReadManifest(Path.Combine(output, "FreshApp.dll"));
        StringAssert.Contains(manifest, "\"Work.Load\"", "the build did not weave Load: " + manifest);
        StringAssert.Contains(manifest, "\"Fresh.Save\"", "the build did not weave SaveAsync: " + manifest);
        Assert.IsTrue(File.Exists(Path.Combine(output, "runtimes", "linux-x64", "native", "libprobes.so")), "libprobes.so did not come with Probes.Sdk");

        string tools = Path.Combine(Feed.Root, "tools");
        Feed.Run(dotnet, ["tool", "install", "--tool-path", tools, "--add-source", Feed.Feed, "Probes.Tool", "--version", PackageFeed.Version], Feed.Root, Step)
            .EnsureSuccess("dotnet tool install Probes.Tool");
        string probes = Path.Combine(tools, "probes");
        StringAssert.Contains(Feed.Run(probes, ["--help"], Feed.Root, Step).EnsureSuccess("probes --help").Stdout, "phases");

        using Process app = Feed.Start(dotnet, [Path.Combine(output, "FreshApp.dll")], project);
        try
        {
            string? ready = app.StandardOutput.ReadLineAsync().WaitAsync(Step).GetAwaiter().GetResult();
            Assert.AreEqual($"ready {app.Id}", ready, "the fresh app did not start");

            ProcessResult traced = Feed.Run(probes, ["phases", "--pid", $"{app.Id}", "--duration", "3", "--format", "json"], Feed.Root, Step);
            traced.EnsureSuccess("probes phases --pid");

            app.StandardInput.WriteLine("stop");
            app.StandardInput.Close();
            Assert.IsTrue(app.WaitForExit(Step), "the fresh app did not stop");
            string rest = app.StandardOutput.ReadToEnd();
            Assert.AreEqual(0, app.ExitCode, rest + app.StandardError.ReadToEnd());
            StringAssert.StartsWith(rest, "done ");

            using JsonDocument report = JsonDocument.Parse(traced.Stdout);
            Dictionary<string, long> counts = report.RootElement.GetProperty("phases").EnumerateArray()
                .GroupBy(p => p.GetProperty("name").GetString()!)
                .ToDictionary(g => g.Key, g => g.Sum(p => p.GetProperty("count").GetInt64()));
            Assert.IsTrue(counts.GetValueOrDefault("Work.Load") > 0, $"no Work.Load phase traced:\n{traced.Stdout}\n{traced.Stderr}");
            Assert.IsTrue(counts.GetValueOrDefault("Fresh.Save") > 0, $"no Fresh.Save phase traced:\n{traced.Stdout}\n{traced.Stderr}");
            Assert.AreEqual(0, report.RootElement.GetProperty("lost").GetInt64(), traced.Stdout);
        }
        finally
        {
            if (!app.HasExited)
            {
                app.Kill(entireProcessTree: true);
                app.WaitForExit();
            }
        }
    }

    /// <summary>The Probes.Manifest.json resource the weaver embeds, read without loading the assembly.</summary>
    private static string ReadManifest(string assembly)
    {
        using FileStream stream = File.OpenRead(assembly);
        using var pe = new PEReader(stream);
        MetadataReader metadata = pe.GetMetadataReader();
        foreach (ManifestResourceHandle handle in metadata.ManifestResources)
        {
            ManifestResource resource = metadata.GetManifestResource(handle);
            if (metadata.GetString(resource.Name) != "Probes.Manifest.json" || !resource.Implementation.IsNil)
            {
                continue;
            }
            PEMemoryBlock resources = pe.GetSectionData(pe.PEHeaders.CorHeader!.ResourcesDirectory.RelativeVirtualAddress);
            BlobReader reader = resources.GetReader((int)resource.Offset, resources.Length - (int)resource.Offset);
            int length = reader.ReadInt32();
            return Encoding.UTF8.GetString(reader.ReadBytes(length));
        }
        Assert.Fail($"{assembly} has no Probes.Manifest.json resource: it was not woven");
        return "";
    }
}
