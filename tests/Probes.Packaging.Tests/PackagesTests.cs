using System.Diagnostics;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Probes.Packaging.Tests;

/// <summary>
/// The packages as a stranger uses them: scripts/pack.sh into a local feed; fresh console
/// projects outside the repository that run the README's install commands as they are written
/// there (ReadmeBlocks), one woven and traced from its first phase by the `probes` tool that the
/// README's tool command installs, one stopped before the weaver, which must warn PROBES001.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class PackagesTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(2);
    private const int Rounds = 20;
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
        // PROBES001: the analyzer and the MSBuild check that tells it whether the build weaves.
        CollectionAssert.Contains(sdk, "analyzers/dotnet/cs/Probes.Sdk.Analyzers.dll");
        CollectionAssert.Contains(sdk, "buildTransitive/Probes.Sdk.targets");
        Assert.IsFalse(sdk.Any(e => e.StartsWith("lib/", StringComparison.Ordinal) && e.Contains("Analyzers", StringComparison.Ordinal)), "the analyzer must not become a compile reference");
        StringAssert.DoesNotMatch(PackageFeed.ReadEntry(Feed.Package("Probes.Sdk"), "Probes.Sdk.nuspec"), new Regex("<dependency "), "Probes.Sdk depends on nothing");

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
    public void The_readme_install_stopped_before_the_weaver_warns_PROBES001_at_the_attribute()
    {
        string project = NewProject("Unwoven");
        RunReadme(ReadmeBlocks.Through(ReadmeBlocks.Get("install"), "dotnet add package Probes.Sdk"), project);
        StringAssert.DoesNotMatch(File.ReadAllText(Path.Combine(project, "Unwoven.csproj")), new Regex("Fody"), "this project must have no weaver");
        File.WriteAllText(Path.Combine(project, "Program.cs"), """
            using Probes;

            new Work().Load();

            public sealed class Work
            {
                [ProbePhase]
                public void Load() { }
            }
            """);

        ProcessResult build = Feed.Run(Dotnet, ["build", "-c", "Release", "-nologo"], project, Step).EnsureSuccess("dotnet build without the weaver");
        StringAssert.Contains(build.Stdout, "Program.cs(7,6): warning PROBES001: [ProbePhase] on 'Work.Load()' does nothing", build.Stdout);
    }

    [TestMethod]
    [TestCategory("Kernel")]
    public void The_readme_install_builds_a_woven_host_that_the_packaged_tool_traces_from_its_first_phase()
    {
        Requirements.Root();
        string project = NewProject("FreshApp");
        RunReadme(ReadmeBlocks.Get("install"), project);
        // The packages came from this run's feed, not from a cache of an earlier one.
        foreach (string id in new[] { "probes.sdk", "probes.fody", "probes.hosting" })
        {
            Assert.IsTrue(Directory.Exists(Path.Combine(Feed.GlobalPackages, id, PackageFeed.Version)), $"{id} was not restored from the feed");
        }

        File.WriteAllText(Path.Combine(project, "FodyWeavers.xml"), ReadmeBlocks.Get("FodyWeavers.xml"));
        // The README's hosting snippet is a whole Program.cs; Host comes from this package.
        Feed.Run(Dotnet, ["add", "package", "Microsoft.Extensions.Hosting", "--version", "10.0.14"], project, Step).EnsureSuccess("dotnet add package Microsoft.Extensions.Hosting");
        File.WriteAllText(Path.Combine(project, "Program.cs"), ReadmeBlocks.Get("hosting"));
        File.WriteAllText(Path.Combine(project, "Worker.cs"), $$"""
            using Microsoft.Extensions.Hosting;
            using Probes;

            // Runs the woven phases a known number of times, then stops the host.
            public sealed class Worker(IHostApplicationLifetime lifetime) : BackgroundService
            {
                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    var work = new Work();
                    for (int round = 0; round < {{Rounds}}; round++)
                    {
                        work.Load();
                        await work.SaveAsync();
                    }
                    Console.WriteLine("done {{Rounds}}");
                    lifetime.StopApplication();
                }
            }

            public sealed class Work
            {
                [ProbePhase]
                public void Load() => Thread.Sleep(1);

                [ProbePhase("Fresh.Save")]
                public async Task SaveAsync() => await Task.Delay(1);
            }
            """);
        ProcessResult build = Feed.Run(Dotnet, ["build", "-c", "Release", "-nologo"], project, Step).EnsureSuccess("dotnet build of the fresh project");
        string[] warnings = build.Stdout.Split('\n').Where(line => line.Contains(": warning ", StringComparison.Ordinal)).Distinct().ToArray();
        Assert.IsEmpty(warnings, "the README's path must build without a warning:\n" + string.Join('\n', warnings));

        string output = Path.Combine(project, "bin", "Release", "net10.0");
        string assembly = Path.Combine(output, "FreshApp.dll");
        string manifest = ReadManifest(assembly);
        StringAssert.Contains(manifest, "\"Work.Load\"", "the build did not weave Load: " + manifest);
        StringAssert.Contains(manifest, "\"Fresh.Save\"", "the build did not weave SaveAsync: " + manifest);
        string shim = Path.Combine(output, "runtimes", "linux-x64", "native", "libprobes.so");
        Assert.IsTrue(File.Exists(shim), "libprobes.so did not come with Probes.Sdk");

        // The README's tool block, with --global kept inside this run's directory.
        string home = Path.Combine(Feed.Root, "home");
        RunReadme(ReadmeBlocks.Get("tool"), Feed.Root, new Dictionary<string, string> { ["DOTNET_CLI_HOME"] = home });
        string probes = Path.Combine(home, ".dotnet", "tools", "probes");
        Assert.IsTrue(File.Exists(probes), $"the README's tool install did not give {probes}");

        // How the README says to check the weaving.
        string listed = Feed.Run(probes, ["list", assembly], project, Step).EnsureSuccess("probes list FreshApp.dll").Stdout;
        StringAssert.Contains(listed, "phase Work.Load ", listed);
        StringAssert.Contains(listed, "phase Fresh.Save ", listed);

        // How the README says to catch startup: attach to the shim file before the app starts.
        using LiveProcess tracer = Feed.Start(probes, ["phases", shim, "--format", "json"], Feed.Root);
        tracer.WaitForStderr("attached", Step);
        ProcessResult app = Feed.Run(Dotnet, [assembly], output, Step).EnsureSuccess("the fresh app");
        StringAssert.Contains(app.Stdout, $"done {Rounds}");
        ProcessResult traced = tracer.Stop(Signals.SIGTERM, Step); // as a user's Ctrl-C or a service manager would
        traced.EnsureSuccess("probes phases FILE");

        using JsonDocument report = JsonDocument.Parse(traced.Stdout);
        Dictionary<string, long> counts = report.RootElement.GetProperty("phases").EnumerateArray()
            .GroupBy(p => p.GetProperty("name").GetString()!)
            .ToDictionary(g => g.Key, g => g.Sum(p => p.GetProperty("count").GetInt64()));
        string seen = $"{traced.Stdout}\n{traced.Stderr}";
        foreach (string once in new[] { "Host.Start", "Worker.StartAsync", "Worker.StopAsync", "Host.Stop" })
        {
            Assert.AreEqual(1, counts.GetValueOrDefault(once), $"{once} (AddProbes, from the first phase):\n{seen}");
        }
        Assert.AreEqual(Rounds, counts.GetValueOrDefault("Work.Load"), seen);
        Assert.AreEqual(Rounds, counts.GetValueOrDefault("Fresh.Save"), seen);
        foreach (string none in new[] { "lost", "unfinished", "ends_without_begin" })
        {
            Assert.AreEqual(0, report.RootElement.GetProperty(none).GetInt64(), $"{none}:\n{seen}");
        }
    }

    private static string Dotnet => Requirements.Which("dotnet") ?? "dotnet";

    private static string NewProject(string name)
    {
        string project = Path.Combine(Feed.Root, name);
        Feed.Run(Dotnet, ["new", "console", "--name", name, "--output", project, "--framework", "net10.0"], Feed.Root, Step).EnsureSuccess("dotnet new console");
        return project;
    }

    /// <summary>Runs README commands as a user's shell would, in <paramref name="directory"/>, with $PROBES naming the clone.</summary>
    private static void RunReadme(string block, string directory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var variables = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["PROBES"] = Feed.Clone };
        Feed.Run("bash", ["-eux", "-o", "pipefail", "-c", block], directory, TimeSpan.FromMinutes(5), variables)
            .EnsureSuccess($"the README's commands in {directory}:\n{block}");
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
