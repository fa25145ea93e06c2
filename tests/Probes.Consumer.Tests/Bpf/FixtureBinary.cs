using System.Globalization;
using System.Text.RegularExpressions;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Bpf;

/// <summary>One stapsdt note of the fixture, as readelf -n lists it.</summary>
internal sealed record FixtureProbe(string Provider, string Name, ulong Location, ulong Semaphore, IReadOnlyList<UsdtArgument> Arguments);

/// <summary>
/// A fixture (or an ELF file already on the machine), with its probes, load segments and symbols read by
/// readelf (not by our ELF reader, which is written separately), and addresses turned into
/// file offsets through the LOAD segment that holds them.
/// </summary>
internal sealed partial class FixtureBinary
{
    private static readonly Dictionary<string, FixtureBinary> Built = [];
    private readonly List<(ulong Offset, ulong Vaddr, ulong FileSize)> _segments = [];
    private readonly Dictionary<string, ulong> _symbols = [];

    private FixtureBinary(string path) => Path = path;

    public string Path { get; }

    /// <summary>The first site of each probe, by name.</summary>
    public Dictionary<string, FixtureProbe> Probes { get; } = [];

    /// <summary>Every note, in readelf order (a probe used at several call sites has several).</summary>
    public List<FixtureProbe> Sites { get; } = [];

    /// <summary>tests/Fixtures/usdt_fixture.c built with <paramref name="optimization"/> (O0, O2); a <paramref name="variant"/> name gives another copy (another file, another inode).</summary>
    public static FixtureBinary Build(string optimization, string? variant = null)
    {
        Requirements.Tool("readelf");
        string output = FixtureCompiler.Build($"usdt_fixture_{optimization}{variant}", "gcc",
            [$"-{optimization}", "-Wall", "-Werror", "-g0", FixtureCompiler.Source("usdt_fixture.c")]);
        return Existing(output);
    }

    /// <summary>An ELF file already on the machine (e.g. /usr/bin/python3.11), read the same way.</summary>
    public static FixtureBinary Existing(string path)
    {
        lock (Built)
        {
            if (!Built.TryGetValue(path, out FixtureBinary? binary))
            {
                Requirements.Tool("readelf");
                binary = new FixtureBinary(path);
                binary.ReadElf();
                Built[path] = binary;
            }
            return binary;
        }
    }

    public FixtureProbe Probe(string name) => Probes[name];

    /// <summary>File offset of a virtual address, through the LOAD segment containing it.</summary>
    public ulong FileOffset(ulong vaddr)
    {
        foreach ((ulong offset, ulong segmentVaddr, ulong fileSize) in _segments)
        {
            if (vaddr >= segmentVaddr && vaddr < segmentVaddr + fileSize)
            {
                return vaddr - segmentVaddr + offset;
            }
        }
        throw new InvalidOperationException($"0x{vaddr:x} is in no LOAD segment of {Path}");
    }

    public ulong? Symbol(string name) => _symbols.TryGetValue(name, out ulong value) ? value : null;

    /// <summary>The first LOAD segment's vaddr: a PIE's load bias is its mapping start minus this.</summary>
    public ulong FirstLoadVaddr => _segments.Min(s => s.Vaddr);

    /// <summary>The u16 semaphore at link-time address <paramref name="vaddr"/> in process <paramref name="pid"/>, at its load bias + vaddr.</summary>
    public ushort ReadSemaphore(int pid, ulong vaddr) => ProcessMemory.ReadUInt16(pid, ProcessMemory.LoadBase(pid, Path) - FirstLoadVaddr + vaddr);

    public UprobeTargetFor Target(string probe, int? pid = null) => Target(Probe(probe), pid);

    public UprobeTargetFor Target(FixtureProbe p, int? pid = null)
    {
        return new UprobeTargetFor(p, new Probes.Consumer.Bpf.Uprobes.UprobeTarget(Path, FileOffset(p.Location), p.Semaphore == 0 ? null : FileOffset(p.Semaphore), pid));
    }

    private void ReadElf()
    {
        string notes = ProcessRunner.Run("readelf", ["-n", Path], TimeSpan.FromSeconds(30)).EnsureSuccess("readelf -n").Stdout;
        foreach (Match m in NoteBlock().Matches(notes))
        {
            var probe = new FixtureProbe(
                m.Groups["provider"].Value,
                m.Groups["name"].Value,
                Hex(m.Groups["location"].Value),
                Hex(m.Groups["semaphore"].Value),
                TestSpecParser.ParseAll(m.Groups["arguments"].Value));
            Probes.TryAdd(probe.Name, probe);
            Sites.Add(probe);
        }
        string segments = ProcessRunner.Run("readelf", ["-lW", Path], TimeSpan.FromSeconds(30)).EnsureSuccess("readelf -lW").Stdout;
        foreach (Match m in LoadSegment().Matches(segments))
        {
            _segments.Add((Hex(m.Groups[1].Value), Hex(m.Groups[2].Value), Hex(m.Groups[3].Value)));
        }
        string symbols = ProcessRunner.Run("readelf", ["-sW", Path], TimeSpan.FromSeconds(30)).EnsureSuccess("readelf -sW").Stdout;
        foreach (Match m in SymbolLine().Matches(symbols))
        {
            _symbols.TryAdd(m.Groups[2].Value, Hex(m.Groups[1].Value));
        }
        if (Probes.Count == 0 || _segments.Count == 0)
        {
            Assert.Fail($"readelf found no probes or segments in {Path}:\n{notes}\n{segments}");
        }
    }

    private static ulong Hex(string text) => ulong.Parse(text.StartsWith("0x", StringComparison.Ordinal) ? text[2..] : text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Provider: (?<provider>\S+)\s+Name: (?<name>\S+)\s+Location: (?<location>0x[0-9a-f]+), Base: 0x[0-9a-f]+, Semaphore: (?<semaphore>0x[0-9a-f]+)\s+Arguments: (?<arguments>[^\n]*)")]
    private static partial Regex NoteBlock();

    [GeneratedRegex(@"^\s+LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)", RegexOptions.Multiline)]
    private static partial Regex LoadSegment();

    [GeneratedRegex(@"^\s+\d+:\s+([0-9a-f]+)\s+\d+\s+\w+\s+\w+\s+\w+\s+\S+\s+(\S+)$", RegexOptions.Multiline)]
    private static partial Regex SymbolLine();
}

/// <summary>A fixture probe and the uprobe target for it.</summary>
internal sealed record UprobeTargetFor(FixtureProbe Probe, Probes.Consumer.Bpf.Uprobes.UprobeTarget Target);
