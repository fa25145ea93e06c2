using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using UprobeAttachMethods = Probes.Consumer.Bpf.Uprobes.UprobeAttachMethods;
using Probes.Consumer.Tests.Bpf;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// How `probes` puts its programs on the sites, seen from outside: the descriptors its process
/// holds (a uprobe_multi link's fdinfo lists each site's offset, semaphore and cookie; a perf
/// uprobe answers BPF_TASK_FD_QUERY), what <c>--verbose</c> says, and that every hit is counted
/// whichever way it attached (PROBES_UPROBE_ATTACH caps the method).
/// </summary>
[TestClass]
[TestCategory("Kernel")]
[DoNotParallelize]
public sealed partial class AttachMethodTests
{
    private const int Iterations = 20;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [TestMethod]
    [DataRow(null)]
    [DataRow("perf-link")]
    [DataRow("perf-ioctl")]
    public void Trace_attaches_one_link_per_file_and_program_or_a_perf_uprobe_per_site_and_counts_every_hit(string? cap)
    {
        Requirements.Root();
        FixtureBinary binary = FixtureBinary.Build("O2");
        Dictionary<string, string> environment = cap is null ? [] : new() { [UprobeAttachMethods.EnvironmentVariable] = cap };
        using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["trace", binary.Path, "--probe", "fixture:*", "--json", "--verbose"], environment);
        tracer.WaitForStderr("attached", Timeout);
        Match summary = AttachLine().Match(string.Join('\n', tracer.Stderr));
        Assert.IsTrue(summary.Success, string.Join('\n', tracer.Stderr));
        int Number(string group) => int.Parse(summary.Groups[group].Value, CultureInfo.InvariantCulture);
        IReadOnlyList<UprobeAttachment> held = UprobeAttachments.Of(tracer.Pid);
        Dictionary<ulong, FixtureProbe> siteAt = binary.Sites.ToDictionary(s => binary.FileOffset(s.Location));

        Assert.AreEqual(binary.Sites.Count, Number("uprobes"), summary.Value);
        CollectionAssert.AreEquivalent(siteAt.Keys.ToList(), held.Select(a => a.Offset).ToList(), "one uprobe on each site, none twice");
        if (cap is null)
        {
            Assert.AreEqual("uprobe_multi links", summary.Groups["how"].Value);
            Assert.AreEqual(0, Number("perf"));
            Assert.IsTrue(held.All(a => a.Cookie is not null), "every uprobe is a site of a uprobe_multi link");
            int links = held.Select(a => a.Fd).Distinct().Count();
            Assert.AreEqual(Number("links"), links, "the links --verbose counts are the ones the process holds");
            Assert.AreEqual(links, held.Select(a => (a.Path, a.ProgramId)).Distinct().Count(), "one link per file and program");
            Assert.AreEqual(Number("programs"), held.Select(a => a.ProgramId).Distinct().Count());
            foreach (UprobeAttachment site in held)
            {
                ulong semaphore = binary.FileOffset(siteAt[site.Offset].Semaphore);
                Assert.AreEqual(semaphore, site.SemaphoreOffset, $"ref_ctr_offset of {siteAt[site.Offset].Name}");
            }
            // The cookie is the probe id: both sites of fixture:twice share one, no two probes do.
            var probeOfCookie = held.GroupBy(a => a.Cookie).ToDictionary(g => g.Key!.Value, g => g.Select(a => siteAt[a.Offset].Name).Distinct().ToList());
            Assert.IsTrue(probeOfCookie.Values.All(names => names.Count == 1), "a cookie names one probe");
            Assert.AreEqual(binary.Probes.Count, probeOfCookie.Count, "one cookie per probe");
        }
        else
        {
            Assert.AreEqual(cap == "perf-link" ? "perf uprobes with BPF links" : "perf uprobes", summary.Groups["how"].Value);
            Assert.AreEqual(binary.Sites.Count, Number("perf"));
            Assert.AreEqual(cap == "perf-link" ? binary.Sites.Count : 0, Number("links"));
            Assert.IsTrue(held.All(a => a.Cookie is null), "no uprobe_multi link");
            StringAssert.Contains(summary.Value, $"uprobe_multi links switched off ({UprobeAttachMethods.EnvironmentVariable}={cap})");
        }

        using (var fixture = new LiveProcess(binary.Path, [$"{Iterations}", "1000"]))
        {
            fixture.WaitForExit(Timeout);
        }
        // Four probes fire once an iteration; fixture:twice has two sites.
        const int Expected = 6 * Iterations;
        Wait.Until(() => tracer.Stdout.Count >= Expected, Timeout, $"{Expected} events traced");
        tracer.Signal(Signals.SIGTERM);
        tracer.WaitForExit(Timeout);
        Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));
        Dictionary<string, int> perProbe = tracer.Stdout.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("probe").GetString()!)
            .GroupBy(name => name).ToDictionary(g => g.Key, g => g.Count());
        string counted = string.Join(", ", perProbe.Select(p => $"{p.Key}={p.Value}"));
        foreach (string name in new[] { "scalars", "array", "text", "sib" })
        {
            Assert.AreEqual(Iterations, perProbe.GetValueOrDefault($"fixture:{name}"), counted);
        }
        Assert.AreEqual(2 * Iterations, perProbe.GetValueOrDefault("fixture:twice"), counted);
        Assert.AreEqual($"probes: {Expected} events, 0 lost (terminated)", tracer.Stderr[^1]);
    }

    /// <summary>
    /// A service that starts its phases the instant probes:phase_begin's semaphore rises (no grace
    /// period), while other threads keep the CPUs busy: `probes` switches that semaphore on last,
    /// when the programs of both probes are on their sites, so phases are seen whole. One window
    /// is the kernel's own and no tracer closes it: a uprobe raises its site's semaphore just
    /// before it writes the site's breakpoint (uprobe_write_opcode updates ref_ctr first), so a
    /// thread spinning on the semaphore can run the very first begin in between (seen 1 of 2,000
    /// in 1 of 5 rounds under load). So a round may see at most its first phase half; a tracer
    /// whose program comes after the semaphore (perf uprobes given their program later, as
    /// bpftrace 0.17 does) loses begins by the hundred.
    /// </summary>
    [TestMethod]
    public void Phases_that_begin_the_instant_the_semaphore_rises_are_all_seen_whole_under_load()
    {
        Requirements.Root();
        const int Pairs = 2000, Rounds = 5;
        string fixture = TraceFixtures.PhaseRace;
        for (int round = 0; round < Rounds; round++)
        {
            using var service = new LiveProcess(fixture, [$"{Pairs}", "2"]);
            service.WaitForStdout("ready", Timeout);
            using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["phases", "--pid", $"{service.Pid}", "--format", "json", "--verbose"]);
            service.WaitForExit(Timeout);
            tracer.WaitForExit(Timeout);
            Assert.AreEqual(0, service.ExitCode, string.Join('\n', service.Stderr));
            Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));
            StringAssert.Contains(string.Join('\n', tracer.Stderr), "through uprobe_multi links");
            Match closing = ClosingLine().Match(tracer.Stderr[^1]);
            Assert.IsTrue(closing.Success, tracer.Stderr[^1]);
            int half = int.Parse(closing.Groups["half"].Value, CultureInfo.InvariantCulture);
            Assert.IsTrue(half <= 1, $"round {round + 1}: {tracer.Stderr[^1]}");
            Assert.AreEqual($"probes: {Pairs - half} phases completed, 0 events lost, 0 unfinished, {half} ended without a seen begin (process {service.Pid} exited)", tracer.Stderr[^1],
                $"round {round + 1}");
        }
    }

    [GeneratedRegex(@"^probes: \d+ phases completed, .* (?<half>\d+) ended without a seen begin")]
    private static partial Regex ClosingLine();

    [GeneratedRegex(@"attach: (?<uprobes>\d+) uprobe\(s\) through (?<how>[^:]+): (?<programs>\d+) program\(s\), (?<links>\d+) link\(s\), (?<perf>\d+) perf event\(s\), 2 map\(s\)[^\n]*")]
    private static partial Regex AttachLine();
}
