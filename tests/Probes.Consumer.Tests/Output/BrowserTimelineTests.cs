using System.Runtime.CompilerServices;
using System.Text.Json;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Output;

/// <summary>
/// Looks at the fan-out timeline for real: speedscope (npm) in headless Chromium (Debian), driven
/// by tests/Browser/render-timeline.mjs, which scripts/setup-browser.sh installs and
/// scripts/test.sh (so .ci/run) calls. The screenshot lands in artifacts/browser/.
/// </summary>
[TestClass]
[TestCategory("Browser")]
public sealed class BrowserTimelineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Speedscope_shows_the_fan_out_with_each_slice_nested_under_its_parent()
    {
        string root = RepositoryRoot();
        string script = Path.Combine(root, "tests", "Browser", "render-timeline.mjs");
        string node = Requirements.Tool("node");
        if (!File.Exists("/usr/bin/chromium") || !Directory.Exists(Path.Combine(root, "tests", "Browser", "node_modules", "speedscope")))
        {
            Requirements.Missing("needs chromium and tests/Browser's node packages (bash scripts/setup-browser.sh installs them)");
        }
        string artifacts = Path.Combine(root, "artifacts", "browser");
        Directory.CreateDirectory(artifacts);
        string trace = Path.Combine(artifacts, "fan-out.trace.json");
        string screenshot = Path.Combine(artifacts, "fan-out.png");
        File.WriteAllText(trace, FanOutTrace.Write());
        File.Delete(screenshot);

        ProcessResult result = ProcessRunner.Run(node, [script, trace, screenshot], Timeout);
        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        TestContext.AddResultFile(screenshot);
        using JsonDocument page = JsonDocument.Parse(result.Stdout);
        JsonElement shown = page.RootElement;

        Assert.AreEqual(0, shown.GetProperty("errors").GetArrayLength(), shown.GetProperty("errors").ToString());
        Assert.IsTrue(new FileInfo(screenshot).Length > 10_000, "a screenshot with something drawn in it");
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(screenshot)[..4]);
        // The toolbar names the track on screen: process, pid, container and lane, 1 of 4 tracks.
        StringAssert.Contains(shown.GetProperty("pageText").GetString(), "lane 1 of Probes.Sample (pid 4100, web-1)");
        StringAssert.Contains(shown.GetProperty("pageText").GetString(), "(1/4)");

        // speedscope names a frame by the slice's name and its args; the args say span and parent.
        var tracks = shown.GetProperty("profiles").EnumerateArray().Select(p => (Name: p.GetProperty("name").GetString()!,
            Slices: p.GetProperty("slices").EnumerateArray().Select(Slice).ToList())).ToList();
        Assert.AreEqual(4, tracks.Count, "three lanes of web-1 (the fetches overlap), one of web-2");
        foreach ((string name, List<ShownSlice> slices) in tracks)
        {
            foreach (ShownSlice slice in slices.Where(s => s.ParentIndex is not null))
            {
                ShownSlice enclosing = slices[slice.ParentIndex!.Value];
                Assert.AreEqual(slice.Parent, enclosing.Span, $"{name}: {slice.Name} (span {slice.Span}) is drawn inside {enclosing.Name} (span {enclosing.Span}), not its parent");
            }
        }
        var web1 = tracks.Where(t => t.Name.Contains("(pid 4100, web-1) (pid 4100)", StringComparison.Ordinal)).ToList();
        Assert.AreEqual(3, web1.Count);
        string Nesting(ShownSlice s, List<ShownSlice> on) => s.ParentIndex is { } p ? $"{Nesting(on[p], on)} > {s.Name}" : s.Name;
        CollectionAssert.AreEqual(
            new[] { "Startup", "Startup > LoadConfig", "Startup > WarmCaches", "Startup > WarmCaches > WarmCaches.Fetch", "Startup > WarmCaches > WarmCaches.Fetch > WarmCaches.Fetch.Decode", "Startup > ConnectDatabase", "HandleRequest (unfinished)" },
            web1[0].Slices.Select(s => Nesting(s, web1[0].Slices)).ToArray(), "lane 1: the first fetch in WarmCaches, its child in it");
        foreach (var lane in web1.Skip(1))
        {
            CollectionAssert.AreEqual(new[] { "WarmCaches.Fetch", "WarmCaches.Fetch > WarmCaches.Fetch.Decode" }, lane.Slices.Select(s => Nesting(s, lane.Slices)).ToArray(),
                "lanes 2 and 3: one concurrent fetch each, its child inside it");
        }
    }

    private sealed record ShownSlice(string Name, ulong Span, ulong Parent, int? ParentIndex);

    private static ShownSlice Slice(JsonElement shown)
    {
        string frame = shown.GetProperty("name").GetString()!;
        int args = frame.IndexOf(" {", StringComparison.Ordinal);
        using JsonDocument parsed = JsonDocument.Parse(frame[(args + 1)..]);
        return new ShownSlice(frame[..args], parsed.RootElement.GetProperty("span").GetUInt64(), parsed.RootElement.GetProperty("parent").GetUInt64(),
            shown.GetProperty("parent").ValueKind == JsonValueKind.Number ? shown.GetProperty("parent").GetInt32() : null);
    }

    private static string RepositoryRoot([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));
}
