using System.Runtime.InteropServices;
using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Files;
using static Probes.Consumer.Targets.Files.NativeFiles;

namespace Probes.Consumer.Tests.Targets;

/// <summary>
/// <see cref="TargetFileOpener"/> on a file named by the user or found in an image layer, over a
/// fake file system (<see cref="FakeFileCalls"/>): every refusal is a typed exception with one
/// line for the operator, no file of the wrong type is ever opened for reading, and a refusal
/// leaves no descriptor open. No root, no kernel: the real calls are covered by PinningTests.
/// </summary>
[TestClass]
public sealed class PathPinningRefusalTests
{
    private const string Layer = "/var/lib/containers/storage/overlay/l1/diff";

    private readonly FakeFileCalls _files = new();

    [TestMethod]
    public void A_user_path_is_located_with_O_PATH_then_read_through_that_descriptor()
    {
        FileIdentity identity = _files.AddFile("/opt/app/libprobes.so");
        _files.AddSymlink("/usr/lib/libprobes.so", "/opt/app/libprobes.so");

        using PinnedFile pinned = TargetFileOpener.PinPath("/usr/lib/libprobes.so", _files);

        Assert.AreEqual(PinRoute.UserPath, pinned.Route);
        Assert.AreEqual(identity, pinned.Identity);
        Assert.AreEqual($"/proc/self/fd/{pinned.Handle.DangerousGetHandle()}", pinned.KernelPath);
        // The only open that reaches the file is through the located descriptor's magic link.
        Assert.HasCount(1, _files.ReadOpens);
        StringAssert.StartsWith(_files.ReadOpens[0], "/proc/self/fd/");
        CollectionAssert.AreEqual(new[] { pinned.Handle }, _files.StillOpen.ToArray());
    }

    [TestMethod]
    [DataRow(FakeFileCalls.Fifo, "not a regular file (a pipe or socket)")]
    [DataRow(FakeFileCalls.Socket, "not a regular file (a pipe or socket)")]
    [DataRow(FakeFileCalls.CharacterDevice, "not a regular file (a device)")]
    [DataRow(FakeFileCalls.BlockDevice, "not a regular file (a device)")]
    [DataRow(FakeFileCalls.Directory, "is a directory, not an ELF file")]
    public void A_file_of_another_type_is_refused_before_any_open_for_reading(uint mode, string reason)
    {
        _files.AddFile("/tmp/target", mode);

        var e = Assert.ThrowsExactly<TargetNotFoundException>(() => TargetFileOpener.PinPath("/tmp/target", _files));

        Assert.AreEqual($"/tmp/target: {reason}", e.Message);
        Assert.IsEmpty(_files.ReadOpens, "a FIFO would block, a device's driver would run");
        Assert.IsEmpty(_files.StillOpen);
    }

    [TestMethod]
    public void A_regular_file_that_cannot_be_read_at_an_offset_is_refused_and_closed()
    {
        _files.AddFile("/sys/kernel/tracing/trace_pipe", seekable: false);

        var e = Assert.ThrowsExactly<TargetNotFoundException>(() => TargetFileOpener.PinPath("/sys/kernel/tracing/trace_pipe", _files));

        Assert.AreEqual("/sys/kernel/tracing/trace_pipe: not a regular file (a kernel interface that cannot be read at an offset)", e.Message);
        Assert.IsEmpty(_files.StillOpen);
    }

    [TestMethod]
    public void A_missing_file_is_not_found_and_a_forbidden_one_is_a_privilege_error()
    {
        _files.AddFile("/home/alice/app/libprobes.so");
        _files.Fail("/home/alice", EACCES);
        _files.AddFile("/srv/notadir");

        Assert.AreEqual("/srv/missing.so: no such file",
            Assert.ThrowsExactly<TargetNotFoundException>(() => TargetFileOpener.PinPath("/srv/missing.so", _files)).Message);
        Assert.AreEqual("/srv/notadir/libprobes.so: no such file",
            Assert.ThrowsExactly<TargetNotFoundException>(() => TargetFileOpener.PinPath("/srv/notadir/libprobes.so", _files)).Message);
        Assert.AreEqual("/home/alice/app/libprobes.so: permission denied (run as root to read other users' files)",
            Assert.ThrowsExactly<TargetAccessException>(() => TargetFileOpener.PinPath("/home/alice/app/libprobes.so", _files)).Message);
        Assert.IsEmpty(_files.StillOpen);
    }

    [TestMethod]
    public void A_layer_file_is_found_beneath_its_layer_without_following_symlinks()
    {
        FileIdentity identity = _files.AddFile($"{Layer}/app/lib/libprobes.so");

        using PinnedFile pinned = TargetFileOpener.PinBeneath(Layer, "app/lib/libprobes.so", "image:/app/lib/libprobes.so", _files);

        Assert.AreEqual(PinRoute.Beneath, pinned.Route);
        Assert.AreEqual(identity, pinned.Identity);
        Assert.AreEqual((Layer, "app/lib/libprobes.so", ResolveBeneath | ResolveNoSymlinks), _files.OpenAt2Calls.Single());
        CollectionAssert.AreEqual(new[] { pinned.Handle }, _files.StillOpen.ToArray(), "the layer's directory descriptor is closed");
    }

    [TestMethod]
    [DataRow("app/linked/libprobes.so", "a component of its path inside " + Layer + " is a symlink")] // a directory symlink to the host's /usr/lib
    [DataRow("app/libprobes.so", "a component of its path inside " + Layer + " is a symlink")]        // a relative symlink within the layer
    [DataRow("app/absolute.so", "a component of its path inside " + Layer + " is a symlink")]        // an absolute symlink
    [DataRow("../../l2/diff/app/lib/libprobes.so", "its path leads out of " + Layer)]
    public void A_layer_path_through_a_symlink_or_out_of_the_layer_is_refused(string relativePath, string reason)
    {
        _files.AddFile($"{Layer}/app/lib/libprobes.so");
        _files.AddFile("/usr/lib/libprobes.so");
        _files.AddFile("/var/lib/containers/storage/overlay/l2/diff/app/lib/libprobes.so");
        _files.AddSymlink($"{Layer}/app/linked", "/usr/lib");
        _files.AddSymlink($"{Layer}/app/libprobes.so", "lib/libprobes.so");
        _files.AddSymlink($"{Layer}/app/absolute.so", "/usr/lib/libprobes.so");

        var e = Assert.ThrowsExactly<TargetIdentityException>(() => TargetFileOpener.PinBeneath(Layer, relativePath, "shown", _files));

        Assert.AreEqual($"refusing shown: {reason}", e.Message);
        Assert.IsEmpty(_files.StillOpen);
    }

    [TestMethod]
    public void A_kernel_without_openat2_cannot_open_a_layer_file_safely_and_says_so()
    {
        _files.AddFile($"{Layer}/app/lib/libprobes.so");
        _files.OpenAt2Errno = ENOSYS;

        var e = Assert.ThrowsExactly<TargetAccessException>(() => TargetFileOpener.PinBeneath(Layer, "app/lib/libprobes.so", "shown", _files));

        Assert.AreEqual("shown: this kernel has no openat2 (Linux 5.6) to open it without following symlinks", e.Message);
        Assert.IsEmpty(_files.StillOpen);
    }

    [TestMethod]
    public void A_missing_layer_is_not_found()
    {
        var e = Assert.ThrowsExactly<TargetNotFoundException>(() => TargetFileOpener.PinBeneath(Layer, "app/lib/libprobes.so", "shown", _files));

        Assert.AreEqual($"{Layer}: no such file", e.Message);
        Assert.IsEmpty(_files.OpenAt2Calls);
    }

    [TestMethod]
    public void A_rename_race_is_retried_a_bounded_number_of_times()
    {
        FileIdentity identity = _files.AddFile($"{Layer}/app/lib/libprobes.so");
        _files.OpenAt2Retries = TargetFileOpener.OpenAt2Attempts - 1;
        using (PinnedFile pinned = TargetFileOpener.PinBeneath(Layer, "app/lib/libprobes.so", "shown", _files))
        {
            Assert.AreEqual(identity, pinned.Identity);
            Assert.HasCount(TargetFileOpener.OpenAt2Attempts, _files.OpenAt2Calls);
        }

        _files.OpenAt2Calls.Clear();
        _files.OpenAt2Retries = int.MaxValue; // a target that renames in a loop
        var e = Assert.ThrowsExactly<TargetNotFoundException>(() => TargetFileOpener.PinBeneath(Layer, "app/lib/libprobes.so", "shown", _files));

        Assert.AreEqual($"shown: cannot open: {Marshal.GetPInvokeErrorMessage(EAGAIN)}", e.Message);
        Assert.HasCount(TargetFileOpener.OpenAt2Attempts, _files.OpenAt2Calls);
        Assert.IsEmpty(_files.StillOpen);
    }
}
