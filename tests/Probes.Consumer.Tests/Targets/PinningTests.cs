using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Targets.Processes;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Targets;

/// <summary>
/// <see cref="TargetFileOpener"/>: a mapped file is opened through /proc/PID/map_files or
/// resolved inside the process's root, and refused unless its device and inode are the ones
/// the maps line reported; image layer files are opened with no symlink on the way; the kernel
/// is given /proc/self/fd/N of the very descriptor that was read.
/// </summary>
[TestClass]
public sealed class PinningTests
{
    private string _scratch = "";

    [TestInitialize]
    public void CreateScratch()
    {
        _scratch = Path.Combine(TestPaths.ScratchDirectory, $"pinning-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_scratch);
    }

    [TestMethod]
    [TestCategory("Kernel")]
    public void A_mapped_file_is_opened_through_map_files_and_the_kernel_path_leads_to_it()
    {
        Requirements.Root(); // map_files needs CAP_SYS_ADMIN
        TargetFile mapped = OwnMappedFile();

        using PinnedFile pinned = TargetFileOpener.Pin(mapped);

        Assert.AreEqual(PinRoute.MapFiles, pinned.Route);
        Assert.AreEqual(mapped.Mapping!.Identity, pinned.Identity);
        Assert.AreEqual($"/proc/self/fd/{pinned.Handle.DangerousGetHandle()}", pinned.KernelPath);
        Assert.AreEqual(mapped.Mapping.Identity.ToString(), FileIdentityTests.CoreutilsIdentity($"/proc/{Environment.ProcessId}/fd/{pinned.Handle.DangerousGetHandle()}"));
    }

    [TestMethod]
    [TestCategory("Kernel")]
    public void A_map_files_entry_that_is_no_longer_the_reported_file_is_refused()
    {
        Requirements.Root();
        TargetFile mapped = OwnMappedFile();
        // As if the range had been unmapped and another file mapped there after maps was read.
        MappedRegion reused = mapped.Mapping! with { Identity = mapped.Mapping.Identity with { Inode = mapped.Mapping.Identity.Inode + 1 } };

        var e = Assert.ThrowsExactly<TargetIdentityException>(() => TargetFileOpener.Pin(mapped with { Mapping = reused }));

        Assert.AreEqual(
            $"pid {Environment.ProcessId}: refusing {mapped.Path}: the file opened through /proc/{Environment.ProcessId}/map_files ({mapped.Mapping.Identity}) is not the file the process maps ({reused.Identity})",
            e.Message);
    }

    [TestMethod]
    public void Inside_the_process_root_the_mapped_path_is_accepted_when_it_still_leads_to_the_mapped_file()
    {
        TargetFile mapped = OwnMappedFile();

        using PinnedFile pinned = TargetFileOpener.PinMapped(mapped.Path, mapped.HostPath, mapped.Mapping!, useMapFiles: false);

        Assert.AreEqual(PinRoute.ProcessRoot, pinned.Route);
        Assert.AreEqual(mapped.Mapping!.Identity, pinned.Identity);
    }

    [TestMethod]
    public void Inside_the_process_root_a_path_that_now_leads_elsewhere_is_refused_naming_both_identities()
    {
        TargetFile mapped = OwnMappedFile();
        string swapped = Path.Combine(_scratch, "libswapped.so");
        File.CreateSymbolicLink(swapped, "/usr/bin/env"); // absolute, as a container's would be
        string found = FileIdentityTests.CoreutilsIdentity("/usr/bin/env");

        var e = Assert.ThrowsExactly<TargetIdentityException>(
            () => TargetFileOpener.PinMapped(swapped, $"/proc/{Environment.ProcessId}/root{swapped}", mapped.Mapping!, useMapFiles: false));

        Assert.AreEqual(
            $"pid {Environment.ProcessId}: refusing {swapped}: the file opened inside the process's root ({found}) is not the file the process maps ({mapped.Mapping!.Identity})",
            e.Message);
    }

    [TestMethod]
    public void A_layer_file_is_opened_beneath_its_layer_with_no_symlink_in_its_path()
    {
        string layer = Path.Combine(_scratch, "layer");
        Directory.CreateDirectory(Path.Combine(layer, "app", "lib"));
        File.Copy("/usr/bin/env", Path.Combine(layer, "app", "lib", "libprobes.so"));
        Directory.CreateSymbolicLink(Path.Combine(layer, "app", "linked"), "/usr/bin");
        File.CreateSymbolicLink(Path.Combine(layer, "app", "libprobes.so"), "/usr/bin/env");

        using (PinnedFile pinned = TargetFileOpener.PinBeneath(layer, "app/lib/libprobes.so", "shown"))
        {
            Assert.AreEqual(PinRoute.Beneath, pinned.Route);
            Assert.AreEqual(FileIdentityTests.CoreutilsIdentity(Path.Combine(layer, "app", "lib", "libprobes.so")), pinned.Identity.ToString());
        }
        Assert.AreEqual($"refusing shown: a component of its path inside {layer} is a symlink",
            Assert.ThrowsExactly<TargetIdentityException>(() => TargetFileOpener.PinBeneath(layer, "app/linked/env", "shown")).Message);
        Assert.AreEqual($"refusing shown: a component of its path inside {layer} is a symlink",
            Assert.ThrowsExactly<TargetIdentityException>(() => TargetFileOpener.PinBeneath(layer, "app/libprobes.so", "shown")).Message);
        Assert.AreEqual($"refusing shown: its path leads out of {layer}",
            Assert.ThrowsExactly<TargetIdentityException>(() => TargetFileOpener.PinBeneath(layer, "../layer/app/lib/libprobes.so", "shown")).Message);
    }

    [TestMethod]
    public void A_user_path_follows_symlinks_but_only_regular_files_are_opened()
    {
        string link = Path.Combine(_scratch, "env-link");
        File.CreateSymbolicLink(link, "/usr/bin/env");
        using (PinnedFile pinned = TargetFileOpener.PinPath(link))
        {
            Assert.AreEqual(PinRoute.UserPath, pinned.Route);
            Assert.AreEqual(FileIdentityTests.CoreutilsIdentity("/usr/bin/env"), pinned.Identity.ToString());
        }
        // O_PATH first: a device is never opened for real (its driver's open() never runs).
        Assert.AreEqual("/dev/null: not a regular file (a device)", Assert.ThrowsExactly<TargetNotFoundException>(() => TargetFileOpener.PinPath("/dev/null")).Message);
        Assert.AreEqual($"{_scratch}: is a directory, not an ELF file", Assert.ThrowsExactly<TargetNotFoundException>(() => TargetFileOpener.PinPath(_scratch)).Message);
    }

    [TestMethod]
    public void Closing_a_pinned_file_closes_its_descriptor()
    {
        PinnedFile pinned = TargetFileOpener.PinPath("/usr/bin/env");
        string fd = $"/proc/self/fd/{pinned.Handle.DangerousGetHandle()}";
        Assert.IsTrue(File.Exists(fd));
        pinned.Dispose();
        Assert.IsTrue(pinned.IsClosed);
    }

    /// <summary>This test process's own mapping of its test assembly, as ProcessTarget reports it.</summary>
    private static TargetFile OwnMappedFile() =>
        ProcessTarget.MappedFiles(Environment.ProcessId, _ => { }, _ => { }).First(f => f.Path.EndsWith("/Probes.Consumer.Tests.dll", StringComparison.Ordinal));
}
