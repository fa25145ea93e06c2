using System.Buffers.Binary;
using System.Text;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Cli;
using Probes.Consumer.Output;
using Probes.Consumer.Output.Listings;
using Probes.Consumer.Output.Reports;
using Probes.Consumer.Phases;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Tests.Cli;
using Probes.Consumer.Tests.Support;
using Probes.Consumer.Tracing;
using Probes.Consumer.Tracing.Discovery;
using Probes.Consumer.Usdt;
using Spectre.Console.Testing;
using Spectre.Console;

namespace Probes.Consumer.Tests.Security;

/// <summary>
/// Text a target controls (string arguments, comm, phase and probe names, paths, container
/// names) reaches the operator's terminal only with its control characters and bidi overrides
/// made visible, in every human-readable output.
/// </summary>
[TestClass]
[TestCategory("Cli")]
public sealed class TerminalInjectionTests
{
    private const string Hostile = "\u001b]0;pwned\u0007\u001b[2J\u202eok";
    private const string Shown = "\\x1b]0;pwned\\x07\\x1b[2J\\u202eok";

    [TestMethod]
    public void Control_characters_and_bidi_overrides_become_visible_escapes()
    {
        Assert.AreEqual(Shown, TerminalText.Safe(Hostile));
        Assert.AreEqual("a\\x0ab\\x09c\\x7f\\x9b", TerminalText.Safe("a\nb\tc\u007f\u009b"));
    }

    [TestMethod]
    public void Ordinary_text_including_non_ascii_passes_unchanged_and_uncopied()
    {
        const string text = "HandleRequest µs Grüße 名前 /app/libprobes.so";
        Assert.AreSame(text, TerminalText.Safe(text));
    }

    [TestMethod]
    public void A_traced_string_comm_and_probe_name_are_escaped_in_text_events()
    {
        var layout = new UsdtRecordLayout(1, [0], 64);
        byte[] bytes = new byte[layout.Size];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(UsdtRecordLayout.TidOffset), (5UL << 32) | 5UL);
        bytes[UsdtRecordLayout.ArgumentCountOffset] = 1;
        Encoding.UTF8.GetBytes("c\u001b[31m").CopyTo(bytes, UsdtRecordLayout.CommOffset);
        Encoding.UTF8.GetBytes(Hostile).CopyTo(bytes, layout.StringOffset(0));
        var note = new UsdtProbe("hostile", "say\u001b[K", 0x1000, 0, 0, "8@%rdi", 0x1000, 0);
        var site = new ListedProbe(new TargetFile("/x", "/x"), note, UsdtArgumentParser.Parse(note, "/x"));
        var probe = new TracedProbe(0, note.Provider, note.Name, "/x", [site], [0]);

        using var output = new MemoryStream();
        using (var writer = new TraceEventWriter(output, json: false, new MonotonicClock()))
        {
            writer.Write(new UsdtRecord(bytes, layout), probe, new ContainerRef(new string('a', 64), "web\u001b[8m"));
        }
        string line = Encoding.UTF8.GetString(output.ToArray());

        Assert.IsFalse(line.TrimEnd('\n').Any(char.IsControl), line);
        StringAssert.Contains(line, " c\\x1b[31m 5/5 [web\\x1b[8m] hostile:say\\x1b[K arg0=\"" + Shown + "\"");
    }

    [TestMethod]
    public void Probe_names_and_paths_from_notes_are_escaped_in_the_listing()
    {
        var note = new UsdtProbe("evil\u001b]0;x\u0007", "name", 0x10, 0, 0, "", 0x10, 0);
        var output = new StringWriter();
        new TextProbeRenderer(verbose: false).Render([new ListedProbe(new TargetFile("/app/\u001b[2J.so", "/h"), note, [])], output, NullDiagnostics.Instance);

        Assert.AreEqual("/app/\\x1b[2J.so evil\\x1b]0;x\\x07:name pc=0x10 semaphore=none args=\"\"", output.ToString().TrimEnd('\n'));
    }

    [TestMethod]
    public void Warnings_and_errors_quoting_a_target_are_one_escaped_line()
    {
        var error = new StringWriter();
        var console = new CliConsole(TextWriter.Null, error);
        console.WriteWarning($"skipping /app/{Hostile}: bad note");
        console.WriteError("x\u001bc");

        Assert.AreEqual($"probes: warning: skipping /app/{Shown}: bad note\nprobes: error: x\\x1bc\n", error.ToString().ReplaceLineEndings("\n"));
    }

    [TestMethod]
    public void Phase_and_container_names_are_escaped_in_the_table()
    {
        var pairing = new PhasePairing();
        var statistics = new PhaseStatistics();
        foreach (PhaseEvent e in new[]
        {
            new PhaseEvent(PhaseEventKind.Begin, 1_000, 10, 10, "abc", 7, Hostile, 1, 0),
            new PhaseEvent(PhaseEventKind.End, 2_000, 10, 10, "abc", 7, Hostile, 1, 0),
        })
        {
            if (pairing.Add(e) is { } done)
            {
                statistics.Add(done);
            }
        }
        var report = new PhaseReport(statistics.Rows(), 0, pairing.Unfinished(), 0, new Dictionary<string, string> { ["abc"] = "web\u001b[8m" });
        var output = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No });
        console.Profile.Width = 200;
        TableReportWriter.Write(report, console);
        string table = output.ToString();

        Assert.IsFalse(table.Replace("\n", "", StringComparison.Ordinal).Any(char.IsControl), table);
        string row = table.Split('\n').Single(line => line.Contains("pwned", StringComparison.Ordinal));
        StringAssert.Contains(row, Shown);
        StringAssert.Contains(row, "web\\x1b[8m");
    }

    [TestMethod]
    public void Container_names_images_and_pods_are_escaped_in_the_containers_listing()
    {
        var container = new HostContainer(
            new ContainerMetadata(new string('c', 64), ContainerRuntime.Containerd, "web\u001b[2J", "img\u202e:1", "pod\u0007", "ns"), [7], 7, null, null, null);
        var console = new TestConsole();
        console.Profile.Width = 300;
        ContainerListing.WriteTable([container], console);

        string row = console.Output.Split('\n').Single(line => line.Contains("ccccccccc", StringComparison.Ordinal));
        Assert.IsFalse(row.TrimEnd('\r').Any(char.IsControl), row);
        StringAssert.Contains(row, "web\\x1b[2J");
        StringAssert.Contains(row, "img\\u202e:1");
        StringAssert.Contains(row, "ns/pod\\x07");
    }

    [TestMethod]
    [TestCategory("Kernel")]
    public void A_program_that_fires_escape_sequences_cannot_reach_the_terminal_through_trace()
    {
        Requirements.Root();
        TimeSpan timeout = TimeSpan.FromSeconds(60);
        string fixture = TraceFixtures.TerminalEscape;
        using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["trace", fixture, "--probe", "hostile:say", "--str", "0"]);
        tracer.WaitForStderr("attached", timeout);
        Assert.AreEqual("fired", ProcessRunner.Run(fixture, [], timeout).EnsureSuccess("terminal_escape fixture").Stdout.Trim());
        Wait.Until(() => tracer.Stdout.Count > 0, timeout, "the event arrived");
        tracer.Signal(Signals.SIGTERM);
        tracer.WaitForExit(timeout);

        string line = tracer.Stdout.Single();
        Assert.IsFalse(line.Any(char.IsControl), line);
        StringAssert.EndsWith(line, "hostile:say arg0=\"" + Shown + "\"");
    }
}
