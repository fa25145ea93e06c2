using Probes.Consumer.Cli;
using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Tests.Support;
using Probes.Consumer.Tracing;
using Probes.Consumer.Tracing.Discovery;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Targets;

/// <summary>
/// The pinned files between listing and attaching: the uprobe's path is the pin's
/// /proc/self/fd/N (messages keep the host path), files not selected are closed when the plan
/// is built, and the plan closes the rest when disposed.
/// </summary>
[TestClass]
public sealed class PinnedSitesTests
{
    private static ListedProbe Site(TargetFile file, string provider, string name, ulong pc)
    {
        var probe = new UsdtProbe(provider, name, pc, 0, 0x5000, "8@%rdi", pc, 0x4000);
        return new ListedProbe(file, probe, UsdtArgumentParser.Parse(probe, file.Path));
    }

    [TestMethod]
    public void Sites_attach_through_the_pinned_descriptor_and_unselected_files_are_closed()
    {
        var shim = new TargetFile("/app/libprobes.so", "/proc/42/root/app/libprobes.so", 42) { Pinned = TargetFileOpener.PinPath("/usr/bin/env") };
        var other = new TargetFile("/usr/lib/libother.so", "/proc/42/root/usr/lib/libother.so", 42) { Pinned = TargetFileOpener.PinPath("/usr/bin/env") };
        ListedProbe[] found = [Site(shim, "app", "hit", 0x1000), Site(shim, "app", "unselected", 0x2000), Site(other, "lib", "x", 0x3000)];

        using (TracePlan plan = TracePlan.Build(found, [ProbePattern.Parse("app:hit")], [], pid: null, "pid 42"))
        {
            var target = plan.Sites().Single().Target;
            Assert.AreEqual(shim.Pinned.KernelPath, target.Path);
            Assert.AreEqual("/proc/42/root/app/libprobes.so", target.ShownPath);
            StringAssert.StartsWith(target.ToString(), "/proc/42/root/app/libprobes.so+0x1000");
            Assert.IsTrue(other.Pinned.IsClosed, "a file with no selected probe is closed at once");
            Assert.IsFalse(shim.Pinned.IsClosed, "the selected file stays open, although one of its probes was not selected");
        }
        Assert.IsTrue(shim.Pinned.IsClosed, "disposing the plan (after the attach) closes the rest");
    }

    [TestMethod]
    public void A_failed_selection_closes_every_pinned_file()
    {
        var file = new TargetFile("/app/libprobes.so", "/app/libprobes.so") { Pinned = TargetFileOpener.PinPath("/usr/bin/env") };
        Assert.ThrowsExactly<TargetNotFoundException>(() => TracePlan.Build([Site(file, "app", "hit", 0x1000)], [ProbePattern.Parse("app:nope")], [], null, "x"));
        Assert.IsTrue(file.Pinned.IsClosed);
    }

    [TestMethod]
    public void At_most_the_pinned_file_bound_stays_open_for_the_attach_and_the_rest_is_left_out_with_a_warning()
    {
        string fixture = Fixtures.Build(FixtureKind.SharedLibrary, "-O2");
        var error = new StringWriter();
        var lister = new ProbeDiscovery(new ConsoleDiagnostics(new CliConsole(new StringWriter(), error), verbose: false), keepPinned: true);
        // One more file with probes than the bound (the same library under many names is many pins).
        var files = Enumerable.Range(0, TargetLimits.MaxPinnedFiles + 1).Select(i => new TargetFile($"{fixture}#{i}", fixture)).ToList();

        IReadOnlyList<ListedProbe> probes = lister.ListFiles(files);

        var pinned = probes.Select(p => p.File.Pinned!).Distinct().ToList();
        try
        {
            Assert.HasCount(TargetLimits.MaxPinnedFiles, pinned);
            Assert.IsTrue(pinned.All(p => !p.IsClosed));
            Assert.AreEqual($"probes: warning: more than 256 files with probes; {fixture}#256 is left out", error.ToString().Trim());
        }
        finally
        {
            pinned.ForEach(p => p.Dispose());
        }
    }

    [TestMethod]
    public void Listing_alone_keeps_no_file_open()
    {
        string fixture = Fixtures.Build(FixtureKind.SharedLibrary, "-O2");
        var lister = new ProbeDiscovery(new ConsoleDiagnostics(new CliConsole(new StringWriter(), new StringWriter()), verbose: false));
        IReadOnlyList<ListedProbe> probes = lister.ListFile(fixture);
        Assert.IsNotEmpty(probes);
        Assert.IsTrue(probes.All(p => p.File.Pinned is null && p.File.KernelPath == fixture));
    }
}
