using System.Globalization;
using System.Text.Json;
using Probes.Consumer.Targets;
using Probes.Consumer.Tests.Support;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Security;

/// <summary>
/// A container that tries to exhaust the consumer (<see cref="HoardingContainer"/>): it maps
/// our shim, a file with more stapsdt probes than <see cref="UsdtLimits.MaxProbesPerFile"/>,
/// and more distinct files than <see cref="TargetLimits.MaxFilesPerTarget"/>. Through the real
/// binary, each bound that is hit is one warning line naming the process and the limit, the
/// shim is still served, the command finishes, its memory stays under a stated bound, and
/// next to an honest container the honest one is measured while the hoarding process runs
/// on and tracefs is untouched.
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Container")]
[DoNotParallelize]
public sealed class ResourceExhaustionContainerTests
{
    private const string ShimInSampleImage = SampleImage.ShimInImage;
    private const string UprobeEvents = "/sys/kernel/tracing/uprobe_events";

    /// <summary>
    /// Peak resident memory allowed to <c>probes list</c> on the hoarding container: the CLI
    /// alone peaks at about 30 MiB, reading one file allocates at most
    /// <see cref="UsdtLimits.MaxBytesAllocatedPerFile"/> (128 MiB) and files are read one after
    /// another, so a consumer within its bounds stays under 160 MiB even if every allocated
    /// byte were resident at once; the rest is headroom. Measured on the hoard: about 45 MiB.
    /// </summary>
    private const long MaxPeakResidentMiB = 256;

    /// <summary>Generous: a run that hangs on the hoard fails here instead of hanging the suite.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private static readonly object HoardLock = new();
    private static HoardingContainer? s_hoard;

    [ClassCleanup]
    public static void RemoveHoard()
    {
        lock (HoardLock)
        {
            s_hoard?.Dispose();
            s_hoard = null;
        }
    }

    [TestMethod]
    public void Listing_a_hoarding_container_reports_each_bound_once_and_still_lists_the_shim()
    {
        HoardingContainer hoard = Hoard(Requirements.RootWithPodman());

        ProcessResult listed = ProcessRunner.Run(TestPaths.ProbesExecutable, ["list", "--json", "--container", hoard.Name], Timeout);

        Assert.AreEqual(0, listed.ExitCode, listed.Stderr);
        Assert.AreEqual(string.Join("", ExpectedWarnings(hoard).Select(line => line + "\n")), listed.Stderr.ReplaceLineEndings("\n"));
        List<JsonProbe> probes = ProbesBinary.ParseJson(listed.Stdout);
        CollectionAssert.AreEquivalent(
            new[] { "probes:phase_begin", "probes:phase_end", "probes:mark", "probes:phase_context" },
            probes.Select(p => $"{p.Provider}:{p.Name}").ToList(),
            "exactly the shim's probes: none of the crowded file's");
        Assert.IsTrue(probes.All(p => p.File == HoardingContainer.ShimInContainer && p.Pid == hoard.HostPid), listed.Stdout);
    }

    [TestMethod]
    public void Listing_a_hoarding_container_stays_under_the_memory_bound()
    {
        HoardingContainer hoard = Hoard(Requirements.RootWithPodman());
        // GNU time reports the child's ru_maxrss from wait4: the true peak, not a sample of it.
        string time = Requirements.Tool("time");
        string peakFile = Path.Combine(TestPaths.ScratchDirectory, $"hoard-peak-{Guid.NewGuid():N}.txt");

        ProcessResult listed = ProcessRunner.Run(time, ["-f", "%M", "-o", peakFile, TestPaths.ProbesExecutable, "list", "--container", hoard.Name], Timeout);

        Assert.AreEqual(0, listed.ExitCode, listed.Stderr);
        Assert.AreEqual(string.Join("", ExpectedWarnings(hoard).Select(line => line + "\n")), listed.Stderr.ReplaceLineEndings("\n"));
        long peakKiB = long.Parse(File.ReadAllText(peakFile).Trim(), CultureInfo.InvariantCulture);
        Console.WriteLine($"peak RSS of probes list --container (hoarding container): {peakKiB} KiB ({peakKiB / 1024} MiB), bound {MaxPeakResidentMiB} MiB");
        Assert.IsLessThan(MaxPeakResidentMiB * 1024, peakKiB, $"peak RSS {peakKiB} KiB");
    }

    [TestMethod]
    public void Phases_next_to_a_hoarding_container_measure_the_honest_one_and_leave_the_hoarder_running()
    {
        string podman = Requirements.RootWithPodman();
        HoardingContainer hoard = Hoard(podman);
        string sample = SampleImage.Build();
        string good = $"probes-hoard-good-{Environment.ProcessId}";
        string report = Path.Combine(TestPaths.ScratchDirectory, $"hoard-phases-{Guid.NewGuid():N}.json");
        try
        {
            SampleImage.RunBusy(podman, good, sample);
            string? tracefsBefore = File.Exists(UprobeEvents) ? File.ReadAllText(UprobeEvents) : null;

            ProcessResult measured = ProcessRunner.Run(TestPaths.ProbesExecutable,
                ["phases", "--container", good, "--container", hoard.Name, "--duration", "3", "--format", "json", "--output", report], Timeout);

            Assert.AreEqual(0, measured.ExitCode, measured.Stderr);
            string[] stderr = measured.Stderr.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            CollectionAssert.AreEqual(ExpectedWarnings(hoard), stderr.Where(line => line.StartsWith("probes: warning:", StringComparison.Ordinal)).ToList(), measured.Stderr);
            Assert.IsFalse(stderr.Any(line => line.StartsWith("probes: error:", StringComparison.Ordinal)), measured.Stderr);
            // Both shims are attached: the hoarder's own shim is still served, within the bounds.
            CollectionAssert.Contains(stderr, "probes: attached to 2 file(s) for 2 containers; Ctrl-C for the report", measured.Stderr);

            using JsonDocument json = JsonDocument.Parse(File.ReadAllText(report));
            var rows = json.RootElement.GetProperty("phases").EnumerateArray().ToList();
            Assert.IsGreaterThan(0L, rows.Where(r => r.GetProperty("container").GetString() == good).Sum(r => r.GetProperty("count").GetInt64()),
                "the honest container's phases are counted");
            Assert.IsTrue(hoard.IsRunning(), "the hoarding container runs on, as the same process");
            if (tracefsBefore is not null)
            {
                Assert.AreEqual(tracefsBefore, File.ReadAllText(UprobeEvents), "tracefs uprobe_events changed");
            }
        }
        finally
        {
            ProcessRunner.Run(podman, ["rm", "--force", "--ignore", "-t", "0", good], Timeout);
        }
    }

    /// <summary>What every verb says about the hoarding container, in order: the files bound, then the refused crowded file.</summary>
    private static List<string> ExpectedWarnings(HoardingContainer hoard) =>
    [
        $"probes: warning: pid {hoard.HostPid} maps more than {TargetLimits.MaxFilesPerTarget} files; examined the first {TargetLimits.MaxFilesPerTarget}",
        $"probes: warning: pid {hoard.HostPid}: {HoardingContainer.CrowdedInContainer}: {HoardingContainer.CrowdedProbeCount} stapsdt probes, more than the limit of {UsdtLimits.MaxProbesPerFile} per file",
    ];

    /// <summary>The hoarding container, started once for the class, with its layout checked: the tests mean nothing otherwise.</summary>
    private static HoardingContainer Hoard(string podman)
    {
        lock (HoardLock)
        {
            if (s_hoard is null)
            {
                s_hoard = new HoardingContainer(podman);
                List<string> files = s_hoard.MappedFilesInAddressOrder();
                CollectionAssert.AreEqual(
                    new[] { HoardingContainer.ProgramInContainer, HoardingContainer.ShimInContainer, HoardingContainer.CrowdedInContainer },
                    files.Take(3).ToList(),
                    "the shim and the crowded file must come before the hoard in address order, or the files bound would cut them instead");
                Assert.HasCount(3 + HoardingContainer.HoardedFileCount, files);
                Assert.IsGreaterThan(TargetLimits.MaxFilesPerTarget, HoardingContainer.HoardedFileCount);
            }
            return s_hoard;
        }
    }

    /// <summary>Starts a container of the sample image serving requests for longer than the test, and waits until it maps the shim.</summary>
}
