using System.Globalization;
using Probes.Consumer.Cli;
using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Targets.Processes;
using Probes.Consumer.Tracing.Discovery;

namespace Probes.Consumer.Tests.Targets;

/// <summary>
/// A process decides how many files it maps: every read of /proc/PID/maps is bounded
/// (<see cref="TargetLimits"/>), each bound that is hit is one warning, and what lies within
/// the bound is still served. Fake /proc trees in a temporary directory.
/// </summary>
[TestClass]
public sealed class MapsLimitsTests
{
    private const int Pid = 4242;
    private string _proc = "";
    private readonly List<string> _warnings = [];
    private readonly List<string> _notes = [];

    [TestInitialize]
    public void CreateFakeProc() => _proc = Path.Combine(Path.GetTempPath(), $"probes-fake-proc-{Guid.NewGuid():N}");

    [TestCleanup]
    public void RemoveFakeProc() => Directory.Delete(_proc, recursive: true);

    [TestMethod]
    public void The_default_file_bound_keeps_the_first_files_and_says_so()
    {
        WriteMaps(Pid, DistinctFiles(TargetLimits.MaxFilesPerTarget + 76));

        IReadOnlyList<TargetFile> files = MappedFiles(Pid);

        Assert.HasCount(TargetLimits.MaxFilesPerTarget, files);
        Assert.AreEqual("/lib/f0.so", files[0].Path);
        Assert.AreEqual($"/lib/f{TargetLimits.MaxFilesPerTarget - 1}.so", files[^1].Path);
        CollectionAssert.AreEqual(new[] { $"pid {Pid} maps more than 1024 files; examined the first 1024" }, _warnings);
    }

    [TestMethod]
    public void Exactly_at_the_bound_is_no_warning()
    {
        WriteMaps(Pid, DistinctFiles(TargetLimits.MaxFilesPerTarget));
        Assert.HasCount(TargetLimits.MaxFilesPerTarget, MappedFiles(Pid));
        Assert.IsEmpty(_warnings);
    }

    [TestMethod]
    public void The_line_bound_stops_the_reading_and_says_so()
    {
        // Many mappings of one file, then a file past the bound.
        List<string> lines = Enumerable.Range(0, 20).Select(i => Line(0x7f0000000000 + (ulong)i * 0x1000, "08:01", 77, "/lib/one.so")).ToList();
        lines.Add(Line(0x7f0000100000, "08:01", 78, "/lib/late.so"));
        WriteMaps(Pid, lines);

        IReadOnlyList<TargetFile> files = MappedFiles(Pid, new MapsLimits(MaxLines: 20, MaxBytes: 1 << 20, MaxFiles: 100));

        CollectionAssert.AreEqual(new[] { "/lib/one.so" }, files.Select(f => f.Path).ToList());
        CollectionAssert.AreEqual(new[] { $"pid {Pid}: {_proc}/{Pid}/maps has more than 20 lines; examined the first 20" }, _warnings);
    }

    [TestMethod]
    public void The_byte_bound_stops_the_reading_and_says_so()
    {
        string longName = "/lib/" + new string('x', 4000) + ".so"; // a process chooses its paths' lengths
        WriteMaps(Pid, [Line(0x7f0000000000, "08:01", 1, "/lib/short.so"), Line(0x7f0000001000, "08:01", 2, longName), Line(0x7f0000002000, "08:01", 3, "/lib/after.so")]);

        IReadOnlyList<TargetFile> files = MappedFiles(Pid, new MapsLimits(MaxLines: 100, MaxBytes: 2048, MaxFiles: 100));

        CollectionAssert.AreEqual(new[] { "/lib/short.so" }, files.Select(f => f.Path).ToList());
        CollectionAssert.AreEqual(new[] { $"pid {Pid}: {_proc}/{Pid}/maps is longer than 2048 bytes; examined its first 1 lines" }, _warnings);
    }

    [TestMethod]
    public void Files_are_distinct_by_device_and_inode_not_by_name()
    {
        WriteMaps(Pid,
        [
            Line(0x7f0000000000, "00:28", 10, "/app/a.so"),
            Line(0x7f0000001000, "00:28", 10, "/app/hardlink-to-a.so"),   // same file, second name
            Line(0x7f0000002000, "00:28", 11, "/app/b.so"),
            Line(0x7f0000003000, "00:2b", 11, "/app/b.so"),                // same name, another file (a mount over /app)
        ]);

        IReadOnlyList<TargetFile> files = MappedFiles(Pid);

        CollectionAssert.AreEqual(
            new[] { ("/app/a.so", new FileIdentity(0, 0x28, 10)), ("/app/b.so", new FileIdentity(0, 0x28, 11)), ("/app/b.so", new FileIdentity(0, 0x2b, 11)) },
            files.Select(f => (f.Path, f.Mapping!.Identity)).ToList());
        Assert.AreEqual(new MappedRegion(_proc, Pid, 0x7f0000003000, 0x7f0000004000, new FileIdentity(0, 0x2b, 11)), files[2].Mapping);
        Assert.AreEqual($"{_proc}/{Pid}/map_files/7f0000003000-7f0000004000", files[2].Mapping!.MapFilesPath);
        Assert.AreEqual($"{_proc}/{Pid}/root/app/b.so", files[2].HostPath);
    }

    [TestMethod]
    public void A_container_is_bounded_over_all_its_processes()
    {
        int half = TargetLimits.MaxFilesPerTarget / 2 + 10;
        WriteMaps(101, DistinctFiles(half));
        WriteMaps(102, DistinctFiles(half, firstInode: 100_000));
        var error = new StringWriter();
        var lister = new ProbeDiscovery(new ConsoleDiagnostics(new CliConsole(new StringWriter(), error), verbose: false), _proc);

        IReadOnlyList<ListedProbe> probes = lister.ListContainer(new ContainerInfo(new string('a', 64), "hostile", [101, 102]));

        Assert.IsEmpty(probes, "fake files cannot be opened; only the bound matters here");
        CollectionAssert.AreEqual(new[] { "probes: warning: container hostile maps more than 1024 files; examined the first 1024" }, error.ToString().ReplaceLineEndings("\n").TrimEnd().Split('\n'));
    }

    private IReadOnlyList<TargetFile> MappedFiles(int pid, MapsLimits? limits = null) => ProcessTarget.MappedFiles(pid, _notes.Add, _warnings.Add, procRoot: _proc, limits: limits);

    private static List<string> DistinctFiles(int count, ulong firstInode = 1) =>
        Enumerable.Range(0, count).Select(i => Line(0x7f0000000000 + (ulong)i * 0x10000, "08:01", firstInode + (ulong)i, $"/lib/f{i}.so")).ToList();

    private static string Line(ulong start, string device, ulong inode, string path) =>
        string.Create(CultureInfo.InvariantCulture, $"{start:x}-{start + 0x1000:x} r-xp 00000000 {device} {inode}                    {path}");

    private void WriteMaps(int pid, IEnumerable<string> lines)
    {
        string directory = Path.Combine(_proc, pid.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(directory);
        File.WriteAllLines(Path.Combine(directory, "maps"), lines);
    }
}
