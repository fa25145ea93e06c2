using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Targets.Processes;
using static Probes.Consumer.Targets.Files.NativeFiles;

namespace Probes.Consumer.Tests.Targets;

/// <summary>
/// <see cref="TargetFileOpener"/> on a file a process maps, over a fake file system
/// (<see cref="FakeFileCalls"/>) holding pid 42's /proc entries and its container's root: the
/// route through map_files, the fallback inside the process's root when map_files is refused,
/// the identity check against the maps line, and each way the process or our privileges can
/// fail us. No root, no kernel: the real calls are covered by PinningTests and SymlinkEscapeTests.
/// </summary>
[TestClass]
public sealed class MappedPinningRefusalTests
{
    private const string Shim = "/app/libprobes.so";
    private const string Root = "/proc/42/root";
    private const string MapFiles = "/proc/42/map_files/7f0000001000-7f0000002000";

    private readonly FakeFileCalls _files = new();

    [TestMethod]
    public void A_mapped_file_is_opened_through_map_files_and_never_by_its_path()
    {
        FileIdentity mapped = _files.AddFile(Root + Shim);
        _files.AddName(MapFiles, Root + Shim);

        using PinnedFile pinned = Pin(mapped);

        Assert.AreEqual(PinRoute.MapFiles, pinned.Route);
        Assert.AreEqual(mapped, pinned.Identity);
        Assert.IsEmpty(_files.OpenAt2Calls);
        CollectionAssert.AreEqual(new[] { pinned.Handle }, _files.StillOpen.ToArray());
    }

    [TestMethod]
    [DataRow(EPERM)]
    [DataRow(EACCES)]
    public void Without_CAP_SYS_ADMIN_map_files_is_refused_and_the_path_is_resolved_inside_the_process_root(int errno)
    {
        FileIdentity mapped = _files.AddFile(Root + Shim);
        _files.AddName(MapFiles, Root + Shim);
        _files.Fail(MapFiles, errno);

        using PinnedFile pinned = Pin(mapped);

        Assert.AreEqual(PinRoute.ProcessRoot, pinned.Route);
        Assert.AreEqual(mapped, pinned.Identity);
        Assert.AreEqual((Root, Shim.TrimStart('/'), ResolveInRoot | ResolveNoMagicLinks), _files.OpenAt2Calls.Single());
        CollectionAssert.AreEqual(new[] { pinned.Handle }, _files.StillOpen.ToArray(), "the root's descriptor is closed");
    }

    [TestMethod]
    public void An_absolute_symlink_in_the_container_resolves_inside_its_root_never_to_the_host_file()
    {
        _files.AddFile("/usr/lib/libprobes.so"); // the host's file of that name
        FileIdentity containers = _files.AddFile(Root + "/usr/lib/libprobes.so");
        _files.AddSymlink(Root + Shim, "/usr/lib/libprobes.so");
        _files.Fail(MapFiles, EPERM);

        using PinnedFile pinned = Pin(containers);

        Assert.AreEqual(containers, pinned.Identity);
    }

    [TestMethod]
    public void A_path_in_the_root_that_now_leads_to_another_file_is_refused_naming_both_identities()
    {
        FileIdentity elsewhere = _files.AddFile(Root + "/usr/lib/libprobes.so");
        _files.AddSymlink(Root + Shim, "/usr/lib/libprobes.so");
        _files.Fail(MapFiles, EPERM);
        var mapped = new FileIdentity(0xfd, 1, 77);

        var e = Assert.ThrowsExactly<TargetIdentityException>(() => Pin(mapped));

        Assert.AreEqual($"pid 42: refusing {Shim}: the file opened inside the process's root ({elsewhere}) is not the file the process maps ({mapped})", e.Message);
        Assert.IsEmpty(_files.StillOpen);
        Assert.AreEqual(0, _files.MappedPages);
    }

    [TestMethod]
    public void A_map_files_entry_that_is_no_longer_the_reported_file_is_refused()
    {
        FileIdentity now = _files.AddFile(Root + Shim);
        _files.AddName(MapFiles, Root + Shim);
        var reported = new FileIdentity(0xfd, 1, 77); // the range was unmapped and another file mapped there

        var e = Assert.ThrowsExactly<TargetIdentityException>(() => Pin(reported));

        Assert.AreEqual($"pid 42: refusing {Shim}: the file opened through /proc/42/map_files ({now}) is not the file the process maps ({reported})", e.Message);
        Assert.IsEmpty(_files.StillOpen);
    }

    [TestMethod]
    public void An_overlay_file_whose_maps_line_shows_the_file_underneath_is_accepted_by_our_own_mapping_of_it()
    {
        // Before Linux 6.8 maps shows the real file under the overlay; statx shows the overlay's.
        _files.AddFile(Root + Shim);
        _files.AddName(MapFiles, Root + Shim);
        var underneath = new FileIdentity(0x08, 0x02, 1234);
        _files.ShowInMapsAs(Root + Shim, underneath);

        using PinnedFile pinned = Pin(underneath);

        Assert.AreEqual(PinRoute.MapFiles, pinned.Route);
        Assert.AreEqual(0, _files.MappedPages, "the page mapped to ask is unmapped");
    }

    [TestMethod]
    public void A_file_that_cannot_be_mapped_to_compare_is_refused_by_its_statx_identity()
    {
        FileIdentity found = _files.AddFile(Root + Shim);
        _files.AddName(MapFiles, Root + Shim);
        _files.ShowInMapsAs(Root + Shim, null);
        var reported = new FileIdentity(0x08, 0x02, 1234);

        var e = Assert.ThrowsExactly<TargetIdentityException>(() => Pin(reported));

        StringAssert.Contains(e.Message, $"({found}) is not the file the process maps ({reported})");
    }

    [TestMethod]
    public void A_magic_link_inside_the_process_root_is_refused()
    {
        _files.AddFile("/etc/shadow");
        _files.AddSymlink(Root + Shim, "/proc/1/root/etc/shadow", magic: true);
        _files.Fail(MapFiles, EPERM);

        var e = Assert.ThrowsExactly<TargetIdentityException>(() => Pin(new FileIdentity(0xfd, 1, 77)));

        Assert.AreEqual($"pid 42: refusing {Shim}: resolving it inside the process's root meets a /proc magic link or a symlink loop", e.Message);
        Assert.IsEmpty(_files.StillOpen);
    }

    [TestMethod]
    public void A_file_unmapped_or_a_process_gone_before_map_files_is_opened_is_not_found()
    {
        _files.Fail(MapFiles, ENOENT);
        Assert.AreEqual($"pid 42: {Shim} is no longer mapped (the process unmapped it or exited)",
            Assert.ThrowsExactly<TargetNotFoundException>(() => Pin(new FileIdentity(0xfd, 1, 77))).Message);

        _files.Fail(MapFiles, ESRCH);
        Assert.AreEqual($"pid 42: {Shim} is no longer mapped (the process unmapped it or exited)",
            Assert.ThrowsExactly<TargetNotFoundException>(() => Pin(new FileIdentity(0xfd, 1, 77))).Message);
        Assert.IsEmpty(_files.OpenAt2Calls, "no fallback for a process that is gone");
    }

    [TestMethod]
    [DataRow(ENOENT)]
    [DataRow(ESRCH)]
    public void A_process_gone_between_map_files_and_its_root_is_not_found(int errno)
    {
        _files.Fail(MapFiles, EPERM);
        _files.Fail(Root, errno);

        var e = Assert.ThrowsExactly<TargetNotFoundException>(() => Pin(new FileIdentity(0xfd, 1, 77)));

        Assert.AreEqual("process 42 exited while being read", e.Message);
        Assert.IsEmpty(_files.StillOpen);
    }

    [TestMethod]
    [DataRow(EPERM)]
    [DataRow(EACCES)]
    public void Another_users_process_root_is_a_privilege_error(int errno)
    {
        _files.Fail(MapFiles, EPERM);
        _files.Fail(Root, errno);

        var e = Assert.ThrowsExactly<TargetAccessException>(() => Pin(new FileIdentity(0xfd, 1, 77)));

        Assert.AreEqual($"cannot open {Root}: permission denied (run as root to inspect other users' processes)", e.Message);
    }

    [TestMethod]
    public void On_a_kernel_without_openat2_map_files_still_works()
    {
        FileIdentity mapped = _files.AddFile(Root + Shim);
        _files.AddName(MapFiles, Root + Shim);
        _files.OpenAt2Errno = ENOSYS;

        using PinnedFile pinned = Pin(mapped);

        Assert.AreEqual(PinRoute.MapFiles, pinned.Route);
    }

    [TestMethod]
    public void On_a_kernel_without_openat2_and_without_map_files_there_is_no_safe_way_and_it_says_what_to_grant()
    {
        _files.AddFile(Root + Shim);
        _files.Fail(MapFiles, EPERM);
        _files.OpenAt2Errno = ENOSYS;

        var e = Assert.ThrowsExactly<TargetAccessException>(() => Pin(new FileIdentity(0xfd, 1, 77)));

        Assert.AreEqual($"pid 42: {Shim}: reading another process's files needs CAP_SYS_ADMIN (for /proc/42/map_files) on a kernel without openat2 (before Linux 5.6); run as root", e.Message);
        Assert.IsEmpty(_files.StillOpen);
    }

    [TestMethod]
    public void A_mapped_fifo_is_refused_before_it_is_opened_for_reading()
    {
        _files.AddFile(Root + Shim, FakeFileCalls.Fifo);
        _files.AddName(MapFiles, Root + Shim);

        var e = Assert.ThrowsExactly<TargetNotFoundException>(() => Pin(new FileIdentity(0xfd, 1, 77)));

        Assert.AreEqual($"{Root}{Shim}: not a regular file (a pipe or socket)", e.Message);
        Assert.IsEmpty(_files.ReadOpens);
    }

    private PinnedFile Pin(FileIdentity reported) => TargetFileOpener.Pin(
        new TargetFile(Shim, Root + Shim, 42) { Mapping = new MappedRegion("/proc", 42, 0x7f0000001000, 0x7f0000002000, reported) },
        _files);
}
