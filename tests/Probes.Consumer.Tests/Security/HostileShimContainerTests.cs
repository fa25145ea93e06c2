using System.Globalization;
using System.Text.Json;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Security;

/// <summary>
/// A hostile image: the sample service whose libprobes.so has a phase_begin note pointing one
/// byte past the nop, at the function's <c>ret</c>. A tracer that believed the note would put
/// its breakpoint on that ret in every container of the image. Traced next to an honest
/// container, the hostile file is refused in one warning line, the honest container is
/// measured, no uprobe is ever placed on the hostile shim (its semaphores stay 0 while the
/// honest one's are raised), the hostile process runs on, and tracefs is untouched. Traced
/// alone, the hostile container is an error.
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Container")]
[DoNotParallelize]
public sealed class HostileShimContainerTests
{
    private const string ShimInImage = SampleImage.ShimInImage;
    private const string UprobeEvents = "/sys/kernel/tracing/uprobe_events";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [TestMethod]
    public void A_shim_whose_note_points_off_its_nop_is_refused_and_the_other_container_is_measured()
    {
        string podman = Requirements.RootWithPodman();
        string sample = SampleImage.Build();
        int id = Environment.ProcessId;
        string builder = $"probes-hostile-build-{id}", good = $"probes-good-{id}", hostile = $"probes-hostile-{id}";
        string hostileImage = $"localhost/probes-hostile-shim:{id}";
        try
        {
            ElfNotePatcher shim = BuildHostileImage(podman, sample, builder, hostileImage, out ulong badPc, out string found);
            ulong[] semaphores = new[] { "phase_begin", "phase_end", "mark" }.Select(name => shim.FileOffsetOf(shim.Note(name).Semaphore)).ToArray();
            string? tracefsBefore = File.Exists(UprobeEvents) ? File.ReadAllText(UprobeEvents) : null;

            int goodPid = SampleImage.RunBusy(podman, good, sample);
            int hostilePid = SampleImage.RunBusy(podman, hostile, hostileImage);
            string refusal = $"probes: warning: pid {hostilePid}: {ShimInImage}: probe probes:phase_begin: site 0x{badPc:x} is not a nop (found {found}); refusing to attach there";

            // Alone, the hostile container has nothing to measure: the refusal, then the error.
            ProcessResult alone = ProbesBinary.Run("phases", "--container", hostile, "--duration", "1");
            Assert.AreNotEqual(0, alone.ExitCode, alone.Stderr);
            Assert.AreEqual("", alone.Stdout);
            Assert.AreEqual($"{refusal}\nprobes: error: container {hostile} has no probes:phase_begin/phase_end (is libprobes.so loaded there?)\n", alone.Stderr.ReplaceLineEndings("\n"));

            // Next to an honest container: a warning, and the honest one is measured.
            using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["phases", "--container", good, "--container", hostile, "--duration", "3", "--format", "json"]);
            tracer.WaitForStderr("attached", Timeout);
            // The same reading on the honest container proves the method: its semaphores are raised.
            Wait.Until(() => ProcessMemory.ReadMappedUInt16(goodPid, ShimInImage, semaphores[0]) > 0, Timeout, "the honest container's phase_begin semaphore is raised");
            Assert.AreNotEqual(0, ProcessMemory.ReadMappedUInt16(goodPid, ShimInImage, semaphores[1]), "honest phase_end semaphore");
            foreach (ulong semaphore in semaphores)
            {
                Assert.AreEqual(0, ProcessMemory.ReadMappedUInt16(hostilePid, ShimInImage, semaphore), $"no uprobe on the hostile shim: its semaphore at file offset 0x{semaphore:x} stays 0");
            }
            tracer.WaitForExit(Timeout);
            Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));

            CollectionAssert.Contains(tracer.Stderr.ToList(), refusal);
            CollectionAssert.Contains(tracer.Stderr.ToList(), $"probes: warning: container {hostile} has no probes:phase_begin/phase_end (is libprobes.so loaded there?); measuring the other containers");
            using JsonDocument report = JsonDocument.Parse(string.Join('\n', tracer.Stdout));
            var rows = report.RootElement.GetProperty("phases").EnumerateArray().ToList();
            Assert.IsGreaterThan(0L, rows.Where(r => r.GetProperty("container").GetString() == good).Sum(r => r.GetProperty("count").GetInt64()), "the honest container's phases are reported");
            Assert.IsTrue(rows.All(r => r.GetProperty("container").GetString() == good), "only the honest container is reported");

            Assert.AreEqual("true", Podman(podman, "inspect", "-f", "{{.State.Running}}", hostile).Trim(), "the hostile container runs on");
            Assert.AreEqual(hostilePid, int.Parse(Podman(podman, "inspect", "-f", "{{.State.Pid}}", hostile).Trim(), CultureInfo.InvariantCulture), "the same process");
            foreach (ulong semaphore in semaphores)
            {
                Assert.AreEqual(0, ProcessMemory.ReadMappedUInt16(hostilePid, ShimInImage, semaphore));
            }
            if (tracefsBefore is not null)
            {
                Assert.AreEqual(tracefsBefore, File.ReadAllText(UprobeEvents), "tracefs uprobe_events changed");
            }
        }
        finally
        {
            ProcessRunner.Run(podman, ["rm", "--force", "--ignore", "-t", "0", builder, good, hostile], Timeout);
            ProcessRunner.Run(podman, ["rmi", "-f", hostileImage], Timeout);
        }
    }

    [TestMethod]
    public void Several_containers_none_of_which_has_phase_probes_is_an_error()
    {
        string podman = Requirements.RootWithPodman();
        string fixture = Fixtures.Build(FixtureKind.Static, "-O2");
        using var first = new PodmanContainer(podman, fixture, "/fixture");
        using var second = new PodmanContainer(podman, fixture, "/fixture");

        ProcessResult result = ProbesBinary.Run("phases", "--container", first.Name, "--container", second.Name, "--duration", "1");

        Assert.AreEqual(3, result.ExitCode, result.Stderr);
        Assert.AreEqual(
            $"probes: warning: container {first.Name} has no probes:phase_begin/phase_end (is libprobes.so loaded there?); measuring the other containers\n" +
            $"probes: warning: container {second.Name} has no probes:phase_begin/phase_end (is libprobes.so loaded there?); measuring the other containers\n" +
            "probes: error: none of the 2 containers has probes:phase_begin/phase_end\n",
            result.Stderr.ReplaceLineEndings("\n"));
    }

    /// <summary>
    /// Copies the shim out of a container of the sample image, moves its phase_begin site one
    /// byte on, copies it back and commits that container as the hostile image.
    /// </summary>
    private static ElfNotePatcher BuildHostileImage(string podman, string sample, string builder, string image, out ulong badPc, out string found)
    {
        Podman(podman, "create", "--name", builder, sample);
        string original = Path.Combine(TestPaths.ScratchDirectory, $"image-libprobes-{Guid.NewGuid():N}.so");
        Podman(podman, "cp", $"{builder}:{ShimInImage}", original);

        ElfNotePatcher shim = ElfNotePatcher.Load(original);
        PatchedNote begin = shim.Note("phase_begin");
        badPc = begin.Pc + 1;
        ulong offset = shim.FileOffsetOf(badPc);
        Assert.AreNotEqual(0x90, shim.ByteAt(offset), "the byte after the nop must not be a nop for this test to mean anything");
        found = $"0x{shim.ByteAt(offset):x2} 0x{shim.ByteAt(offset + 1):x2}";
        string patched = shim.SetPc(begin, badPc).Save($"hostile-libprobes-{Guid.NewGuid():N}.so");

        Podman(podman, "cp", patched, $"{builder}:{ShimInImage}");
        Podman(podman, "commit", builder, image);
        Podman(podman, "rm", builder);
        return ElfNotePatcher.Load(original);
    }

    /// <summary>Starts a container serving requests for longer than the test, and waits until it maps the shim.</summary>
    private static string Podman(string podman, params string[] args) =>
        ProcessRunner.Run(podman, args, Timeout).EnsureSuccess($"podman {string.Join(' ', args)}").Stdout;
}
