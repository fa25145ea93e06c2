using System.Text;
using System.Text.Json;
using Probes.Consumer.Manifest;
using Probes.Consumer.Output.Listings;
using Probes.Consumer.Output.Reports;
using Probes.Consumer.Phases;
using Probes.Consumer.Tests.Support;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Tracing;
using Probes.Consumer.Tracing.Discovery;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Output;

/// <summary>
/// Every JSON document the CLI writes, with names a target chose holding ESC, newlines, a C1
/// control and a bidi override: the bytes hold no control character and no raw override (one
/// escaping policy), and parsing gives the name back exactly.
/// </summary>
[TestClass]
public sealed class JsonDocumentTests
{
    private const string Hostile = "x\u001b[2J\n\r\u009b31m\u202e\"\\<+>é";

    private static void AssertEscapedAndExact(string document, Func<JsonElement, string?> read)
    {
        string body = document.TrimEnd('\n');
        Assert.IsFalse(body.Any(c => char.IsControl(c) && c != '\n' && c != ' '), document);
        Assert.IsFalse(body.Contains('\u202e'), "a bidi override reorders what the terminal shows");
        Assert.IsFalse(body.Contains('\u009b'), "a C1 CSI is a terminal escape too");
        using JsonDocument parsed = JsonDocument.Parse(body);
        Assert.AreEqual(Hostile, read(parsed.RootElement));
    }

    [TestMethod]
    public void The_containers_listing()
    {
        var container = new HostContainer(new ContainerMetadata(new string('c', 64), ContainerRuntime.Podman, Hostile, "img"), [7], 7, null, null, null);
        AssertEscapedAndExact(ContainerListing.Json([container]), root => root[0].GetProperty("name").GetString());
    }

    [TestMethod]
    public void The_probe_listing()
    {
        var probe = new UsdtProbe("p", Hostile, 0x10, 0, 0, "", 0x10, 0);
        var output = new StringWriter();
        new JsonProbeRenderer(verbose: true).Render([new ListedProbe(new TargetFile("/a.so", "/a.so"), probe, [])], output, NullDiagnostics.Instance);
        AssertEscapedAndExact(output.ToString(), root => root[0].GetProperty("name").GetString());
    }

    [TestMethod]
    public void The_declared_phases()
    {
        var manifest = new PhaseManifest(1, "App", [new PhaseEntry(Hostile, 1, "sync", "M", null, null)]);
        var output = new StringWriter();
        PhaseManifestRenderer.Render([("/app/App.dll", manifest)], json: true, output, NullDiagnostics.Instance);
        AssertEscapedAndExact(output.ToString(), root => root[0].GetProperty("name").GetString());
        Assert.AreEqual(JsonValueKind.Null, JsonDocument.Parse(output.ToString()).RootElement[0].GetProperty("line").ValueKind, "an unknown line is null, not left out");
    }

    [TestMethod]
    public void The_phase_report_and_the_chrome_trace()
    {
        var report = new PhaseReport([new PhaseRow("abc", Hostile, 7, 1, 2_000, 2_000, 2_000, 2_000, 2_000, 2_000, 0, 0)], 0, [], 0,
            new Dictionary<string, string> { ["abc"] = "web" });
        using var json = new MemoryStream();
        JsonReportWriter.Write(report, json);
        AssertEscapedAndExact(Encoding.UTF8.GetString(json.ToArray()), root => root.GetProperty("phases")[0].GetProperty("name").GetString());

        using var chrome = new MemoryStream();
        ChromeTraceWriter.Write([new CompletedPhase("abc", 42, 42, 7, Hostile, 1, 0, 1_000, 3_000, PhaseStatus.Completed)], [], [], 3_000, _ => Hostile, _ => DateTimeOffset.UnixEpoch, chrome);
        string trace = Encoding.UTF8.GetString(chrome.ToArray());
        ChromeTraceValidator.Validate(trace);
        AssertEscapedAndExact(trace, root => root.GetProperty("traceEvents").EnumerateArray().Single(e => e.GetProperty("ph").GetString() == "X").GetProperty("name").GetString());
        AssertEscapedAndExact(trace, root => root.GetProperty("traceEvents")[0].GetProperty("args").GetProperty("name").GetString());
    }
}
