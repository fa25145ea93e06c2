using Probes.Consumer.Targets.Files;

namespace Probes.Consumer.Tests.Targets;

/// <summary>
/// <see cref="BackingInode"/> over a fake file system: each pinned file is mapped one page, the
/// kernel's answer for that page is its identity, a file that cannot be mapped (or whose page
/// the kernel did not report) keeps its statx identity, and every page is unmapped again.
/// </summary>
[TestClass]
public sealed class BackingInodeFallbackTests
{
    [TestMethod]
    public void Each_file_takes_the_identity_behind_its_page_or_keeps_its_own()
    {
        var files = new FakeFileCalls();
        files.AddFile("/layers/upper/libprobes.so");
        FileIdentity unmappable = files.AddFile("/layers/other/libprobes.so");
        FileIdentity unreported = files.AddFile("/layers/third/libprobes.so");
        files.ShowInMapsAs("/layers/other/libprobes.so", null);
        using PinnedFile upper = TargetFileOpener.PinPath("/layers/upper/libprobes.so", files);
        using PinnedFile other = TargetFileOpener.PinPath("/layers/other/libprobes.so", files);
        using PinnedFile third = TargetFileOpener.PinPath("/layers/third/libprobes.so", files);
        var real = new FileIdentity(0x08, 0x02, 4321);
        int askedWhileMapped = -1;

        Dictionary<PinnedFile, FileIdentity> identities = BackingInode.Of([upper, other, third, upper], () =>
        {
            askedWhileMapped = files.MappedPages;
            // The kernel knows our first page (the upper file's); the third's it does not report.
            ulong first = files.OwnMaps().Select(l => Convert.ToUInt64(l[..l.IndexOf('-')], 16)).Min();
            return new Dictionary<ulong, FileIdentity> { [first] = real };
        }, files);

        Assert.AreEqual(2, askedWhileMapped, "the unmappable file is not mapped, a repeated one once");
        Assert.AreEqual(real, identities[upper]);
        Assert.AreEqual(unmappable, identities[other]);
        Assert.AreEqual(unreported, identities[third]);
        Assert.AreEqual(0, files.MappedPages);
    }
}
