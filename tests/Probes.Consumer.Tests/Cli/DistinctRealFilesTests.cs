using Probes.Consumer.Cli;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Tests.Support;
using Probes.Consumer.Tracing.Discovery;
using Probes.Consumer.Tracing.Run;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// Files found through several containers or paths are grouped by the inode the kernel's uprobe
/// lands on (here told by a stand-in for the kernel): one pinned file per real file is kept, the
/// others are closed, and the kept one knows which other containers it serves.
/// </summary>
[TestClass]
public sealed class DistinctRealFilesTests
{
    private const string A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private const string C = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";

    [TestMethod]
    public void Copies_that_are_one_real_file_get_one_uprobe_and_a_copy_of_its_own_keeps_its_own()
    {
        // Three containers' copies: A's and B's are one file to the kernel (an image layer), C's is its own (copy-up).
        PinnedFile a = Pin(), b = Pin(), c = Pin();
        ListedProbe[] probes = [.. Probes(a, 100, A), .. Probes(b, 200, B), .. Probes(c, 300, C)];
        var notes = new List<string>();

        List<ListedProbe> kept = DistinctRealFiles.Keep(probes, notes.Add, () => Kernel(sameAs: (b, a)));

        Assert.AreEqual(4, kept.Count, "A's two probes and C's two");
        CollectionAssert.AreEquivalent(new[] { a, c }, kept.Select(p => p.File.Pinned).Distinct().ToArray());
        Assert.IsTrue(b.IsClosed, "B's descriptor is no longer needed");
        Assert.IsFalse(a.IsClosed || c.IsClosed);
        CollectionAssert.AreEquivalent(new[] { B }, kept.First(p => p.File.Pinned == a).File.SharedWith.ToArray());
        Assert.AreEqual(0, kept.First(p => p.File.Pinned == c).File.SharedWith.Count);
        Assert.AreEqual(1, notes.Count);
        StringAssert.Contains(notes[0], "/app/libprobes.so of pid 200 is the same file as /app/libprobes.so of pid 100");
        a.Dispose();
        c.Dispose();
    }

    [TestMethod]
    public void A_single_file_is_kept_without_asking_the_kernel()
    {
        PinnedFile a = Pin();
        List<ListedProbe> kept = DistinctRealFiles.Keep(Probes(a, 100, A), _ => { }, () => throw new AssertFailedException("asked"));
        Assert.AreEqual(2, kept.Count);
        a.Dispose();
    }

    [TestMethod]
    public void ContainerFileOwners_counts_the_containers_a_kept_file_serves_for_others()
    {
        using var proc = new Containers.FakeProc();
        proc.Add(100, 1, $"/libpod_parent/libpod-{A}");
        proc.Add(200, 1, $"/libpod_parent/libpod-{B}");
        // B maps its own overlay copy (another device), which was found to be A's real file.
        var file = new TargetFile("/app/libprobes.so", "/proc/100/root/app/libprobes.so", 100, A) { SharedWith = new HashSet<string> { B } };
        ListedProbe[] probes = [new(file, Probe("phase_begin"), [])];

        ContainerFileOwners owners = ContainerFileOwners.Find(probes, new HashSet<string>([A, B]), proc.Root);

        Assert.IsFalse(owners.ServesOnly(file.KernelPath, new HashSet<string>([A])), "B still needs the uprobe when A is removed");
        Assert.IsTrue(owners.ServesOnly(file.KernelPath, new HashSet<string>([A, B])));
    }

    /// <summary>What the kernel would say of our mappings, with <c>sameAs.Copy</c> backed by <c>sameAs.Real</c>'s inode.</summary>
    private static IReadOnlyDictionary<ulong, FileIdentity> Kernel((PinnedFile Copy, PinnedFile Real) sameAs) =>
        BackingInode.FromOwnMaps().ToDictionary(m => m.Key, m => m.Value == sameAs.Copy.Identity ? sameAs.Real.Identity : m.Value);

    private static PinnedFile Pin()
    {
        string path = Path.Combine(TestPaths.ScratchDirectory, $"copy-{Guid.NewGuid():N}.so");
        File.WriteAllBytes(path, new byte[4096]);
        return TargetFileOpener.PinPath(path);
    }

    private static ListedProbe[] Probes(PinnedFile pinned, int pid, string container)
    {
        var file = new TargetFile("/app/libprobes.so", $"/proc/{pid}/root/app/libprobes.so", pid, container) { Pinned = pinned };
        return [new(file, Probe("phase_begin"), []), new(file, Probe("phase_end"), [])];
    }

    private static UsdtProbe Probe(string name) => new("probes", name, 0x1000, 0, 0, "4@%edi", 0x1000, 0);
}
