using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Usdt;

/// <summary>
/// The kernel's verdict on our offsets: uprobes placed at <c>pc_offset</c> count the probe
/// firing in a running fixture, and <c>semaphore_offset</c> given as <c>ref_ctr_offset</c>
/// raises the semaphore, which is the only way the fixture's guarded probe ever runs.
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Kernel")]
public sealed class KernelAcceptsOffsetsTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public static IEnumerable<object[]> Kinds =>
    [
        [FixtureKind.Pie],
        [FixtureKind.NonPie],
    ];

    [TestMethod]
    [DynamicData(nameof(Kinds))]
    public void SiteAndSemaphoreOffsetsWorkAsUprobeAndReferenceCounter(FixtureKind kind)
    {
        Requirements.Root();
        if (!File.Exists("/sys/bus/event_source/devices/uprobe/type"))
        {
            Assert.Fail("the perf uprobe PMU is missing (CONFIG_UPROBE_EVENTS); ENVIRONMENT.md says this machine has it");
        }
        string fixture = Fixtures.Build(kind, "-O2");
        using LiveProcess process = Fixtures.StartWaiting(fixture);
        List<JsonProbe> probes = ProbesBinary.ListJson("--pid", $"{process.Pid}").Where(p => p.File == fixture).ToList();
        JsonProbe plain = probes.Single(p => p.Name == "registers");
        JsonProbe guarded = probes.Single(p => p.Name == "guarded");

        // Without the reference counter the semaphore stays 0, so the guarded site is skipped.
        using (var unguarded = new PerfUprobeCounter(guarded.HostPath!, guarded.PcOffset, 0, process.Pid))
        using (var plainCounter = new PerfUprobeCounter(plain.HostPath!, plain.PcOffset, 0, process.Pid))
        {
            WaitFor(() => plainCounter.Count >= 2, "the plain probe to fire twice at its site offset");
            Assert.AreEqual(0UL, unguarded.Count, "the guarded probe ran although nobody raised its semaphore");
        }

        using var counter = new PerfUprobeCounter(guarded.HostPath!, guarded.PcOffset, guarded.SemaphoreOffset, process.Pid);
        WaitFor(() => counter.Count >= 1, $"the guarded probe to fire once its semaphore at file offset 0x{guarded.SemaphoreOffset:x} is raised");
    }

    private static void WaitFor(Func<bool> condition, string what) => Wait.Until(condition, Deadline, what);
}
