using System.Globalization;

namespace Probes.Sdk.Tests.Kernel;

/// <summary>
/// The probes the SDK fires are ordinary stapsdt probes: bpftrace, the interoperability peer,
/// attaches to the sample's libprobes.so by name and reads what the SDK passed.
/// </summary>
[TestClass]
[TestCategory("Kernel")]
[DoNotParallelize]
public sealed class BpftraceInteropTests
{
    private const int Requests = 4;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private sealed record BeginEvent(uint Id, string Name, ulong Span, ulong Parent);

    private sealed record EndEvent(uint Id, string Name, ulong Span, int Status);

    [TestMethod]
    public void Bpftrace_reads_phase_names_ids_spans_and_parents_from_the_sample()
    {
        string bpftrace = Requirements.RootWithBpftrace();
        string shim = SampleProgram.Service.Shim;
        // bpftrace 0.17 raises a semaphore before its program is on the site: the sample gives it 200 ms.
        using LiveProcess sample = SampleProgram.Service.Start("--wait-for-tracer", "60", "--settle-ms", "200", "--requests", $"{Requests}", "--interval-ms", "5");
        // exit() on the last request's mark makes bpftrace drain and stop by itself.
        string script =
            $"usdt:{shim}:probes:phase_begin {{ printf(\"B %u %s %lu %lu\\n\", arg0, str(arg1), arg2, arg3); }}\n" +
            $"usdt:{shim}:probes:phase_end {{ printf(\"E %u %s %lu %d\\n\", arg0, str(arg1), arg2, (int32)arg3); }}\n" +
            $"usdt:{shim}:probes:mark /arg2 == {Requests}/ {{ exit(); }}\n";
        ProcessResult traced = Bpftrace.TraceUntilExit(bpftrace, sample.Pid, script, Timeout);
        Assert.IsTrue(sample.ExitsWithin(Timeout), "the sample did not finish");
        Assert.AreEqual(0, sample.ExitCode, "the traced sample failed");
        StringAssert.Contains(string.Join('\n', sample.Stdout), "tracer attached");

        (List<BeginEvent> begins, List<EndEvent> ends) = Parse(traced.Stdout);

        string[] expected = ["Startup", "LoadConfig", "WarmCaches", "WarmCaches.Fetch", "ConnectDatabase", "HandleRequest", "Query", "Render"];
        CollectionAssert.IsSubsetOf(expected, begins.Select(b => b.Name).Distinct().ToList(), traced.Stdout);
        foreach (BeginEvent begin in begins)
        {
            Assert.AreEqual(PhaseId.Of(begin.Name), begin.Id, $"id of {begin.Name}");
        }

        // Every begin has exactly one end with the same span, id and name, and vice versa.
        Assert.AreEqual(begins.Count, begins.Select(b => b.Span).Distinct().Count(), "span ids repeat");
        CollectionAssert.AreEquivalent(begins.Select(b => (b.Span, b.Id, b.Name)).ToList(), ends.Select(e => (e.Span, e.Id, e.Name)).ToList());

        Dictionary<ulong, BeginEvent> bySpan = begins.ToDictionary(b => b.Span);
        string ParentName(BeginEvent child) => child.Parent == 0 ? "(root)" : bySpan[child.Parent].Name;
        Assert.AreEqual("(root)", ParentName(begins.Single(b => b.Name == "Startup")));
        Assert.AreEqual("Startup", ParentName(begins.Single(b => b.Name == "LoadConfig")));
        // Fetch runs on pool threads after awaits: the parent comes from the logical flow.
        Assert.IsTrue(begins.Where(b => b.Name == "WarmCaches.Fetch").All(b => ParentName(b) == "WarmCaches"));
        Assert.IsTrue(begins.Where(b => b.Name == "Query").All(b => ParentName(b) == "HandleRequest"));
        Assert.AreEqual(Requests, begins.Count(b => b.Name == "HandleRequest"));

        // The sample's fourth query times out on purpose and reports a fault.
        Assert.AreEqual(1, ends.Count(e => e.Name == "Query" && e.Status == (int)PhaseStatus.Faulted));
        Assert.AreEqual(Requests - 1, ends.Count(e => e.Name == "Query" && e.Status == (int)PhaseStatus.Completed));
    }

    [TestMethod]
    public void Semaphores_are_zero_without_a_tracer_and_raised_only_while_bpftrace_is_attached()
    {
        string bpftrace = Requirements.RootWithBpftrace();
        string shim = SampleProgram.Service.Shim;
        using LiveProcess sample = SampleProgram.Service.Start("--requests", "100000", "--interval-ms", "10");
        Wait.Until(() => ProcessMemory.Maps(sample.Pid, shim), TimeSpan.FromSeconds(30), "the sample loaded its shim");
        ulong loadBase = ProcessMemory.LoadBase(sample.Pid, shim);
        ushort Semaphore(string probe) => ProcessMemory.ReadUInt16(sample.Pid, loadBase + SymbolAddress(shim, $"probes_{probe}_semaphore"));

        Assert.AreEqual(0, Semaphore("phase_begin"));
        Assert.AreEqual(0, Semaphore("phase_end"));
        Assert.AreEqual(0, Semaphore("mark"));
        Assert.AreEqual(0, Semaphore("phase_context"));

        string script =
            $"usdt:{shim}:probes:phase_begin {{ @begins = count(); }}\n" +
            $"usdt:{shim}:probes:phase_end {{ @ends = count(); }}\n";
        using var tracer = new LiveProcess(bpftrace, ["-p", $"{sample.Pid}", "-e", script]);
        try
        {
            Wait.Until(() => Semaphore("phase_begin") != 0 && Semaphore("phase_end") != 0, TimeSpan.FromSeconds(30),
                "bpftrace attached and raised the semaphores");
            Assert.AreEqual(0, Semaphore("mark"), "a probe nobody attached to was enabled");
            Assert.AreEqual(0, Semaphore("phase_context"), "a v1 tracer raised the ABI v2 context probe");
        }
        finally
        {
            tracer.Signal(Signals.SIGINT);
            Assert.IsTrue(tracer.ExitsWithin(Timeout), "bpftrace did not stop on SIGINT");
        }

        Wait.Until(() => Semaphore("phase_begin") == 0 && Semaphore("phase_end") == 0, TimeSpan.FromSeconds(30),
            "the semaphores fell back to 0 after bpftrace left");
        Assert.IsFalse(sample.HasExited, "the traced sample died");
    }

    [TestMethod]
    public void Bpftrace_lists_the_abi_v2_context_probe_next_to_the_v1_probes()
    {
        string bpftrace = Requirements.RootWithBpftrace();
        string shim = SampleProgram.Service.Shim;
        ProcessResult listed = ProcessRunner.Run(bpftrace, ["-l", $"usdt:{shim}:probes:*"], Timeout).EnsureSuccess("bpftrace -l");
        foreach (string probe in new[] { "phase_begin", "phase_end", "mark", "phase_context" })
        {
            StringAssert.Contains(listed.Stdout + "\n", $"probes:{probe}\n", listed.Stdout);
        }
    }

    /// <summary>Symbol values of the dynamic symbol table, from binutils' nm (the reference tool).</summary>
    private static ulong SymbolAddress(string file, string symbol)
    {
        ProcessResult nm = ProcessRunner.Run(Requirements.Tool("nm"), ["-D", "--defined-only", file], TimeSpan.FromSeconds(30)).EnsureSuccess("nm");
        foreach (string line in nm.Stdout.Split('\n'))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 3 && fields[2] == symbol)
            {
                return ulong.Parse(fields[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"{symbol} not found in {file}");
    }

    private static (List<BeginEvent>, List<EndEvent>) Parse(string output)
    {
        var begins = new List<BeginEvent>();
        var ends = new List<EndEvent>();
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split(' ');
            if (f.Length != 5)
            {
                continue;
            }
            CultureInfo c = CultureInfo.InvariantCulture;
            if (f[0] == "B")
            {
                begins.Add(new BeginEvent(uint.Parse(f[1], c), f[2], ulong.Parse(f[3], c), ulong.Parse(f[4], c)));
            }
            else if (f[0] == "E")
            {
                ends.Add(new EndEvent(uint.Parse(f[1], c), f[2], ulong.Parse(f[3], c), int.Parse(f[4], c)));
            }
        }
        Assert.AreNotEqual(0, begins.Count, $"bpftrace printed no phase events:\n{output}");
        return (begins, ends);
    }
}
