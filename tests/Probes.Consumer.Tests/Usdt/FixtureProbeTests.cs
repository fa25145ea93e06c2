using System.Buffers.Binary;
using Probes.Consumer.Elf;
using Probes.Consumer.Tests.Support;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Usdt;

/// <summary>
/// Notes and file offsets of the compiled fixtures (PIE, non-PIE, shared library, at -O0 and
/// -O2). Offsets are checked against facts that do not come from our mapping code: the
/// probe site is a one-byte <c>nop</c> (0x90) in the file, and a semaphore's offset follows
/// from its symbol and the section that holds it (binutils' section view, not segments).
/// </summary>
[TestClass]
public sealed class FixtureProbeTests
{
    private const byte Nop = 0x90;

    public static IEnumerable<object[]> Variants =>
        from kind in new[] { FixtureKind.Pie, FixtureKind.NonPie, FixtureKind.SharedLibrary }
        from level in Fixtures.OptimisationLevels
        select new object[] { kind, level };

    [TestMethod]
    [DynamicData(nameof(Variants))]
    public void ProbeSitesAreNopsAtTheirFileOffsets(FixtureKind kind, string optimisation)
    {
        string path = Fixtures.Build(kind, optimisation);
        byte[] bytes = File.ReadAllBytes(path);
        IReadOnlyList<UsdtProbe> probes = ReadProbes(path);

        Assert.HasCount(8, probes);
        foreach (UsdtProbe probe in probes)
        {
            Assert.IsLessThan((ulong)bytes.Length, probe.PcOffset, $"{probe} site offset outside the file");
            Assert.AreEqual(Nop, bytes[probe.PcOffset], $"{probe}: byte at site offset 0x{probe.PcOffset:x} is not the sdt.h nop");
        }
    }

    [TestMethod]
    [DynamicData(nameof(Variants))]
    public void SemaphoreOffsetsFollowFromSymbolsAndSections(FixtureKind kind, string optimisation)
    {
        string path = Fixtures.Build(kind, optimisation);
        List<ReadelfSection> sections = ReadelfTables.Sections(path);
        Dictionary<string, UsdtProbe> probes = ReadProbes(path).ToDictionary(p => p.Name);

        foreach ((string probe, string symbol) in new[] { ("guarded", "fixture_guarded_semaphore"), ("guarded_pair", "fixture_guarded_pair_semaphore") })
        {
            ulong address = ReadelfTables.SymbolValue(path, symbol);
            ReadelfSection holder = sections.Single(s => s.Size > 0 && address >= s.Address && address < s.Address + s.Size && s.Address != 0);
            Assert.AreEqual(".probes", holder.Name);
            Assert.AreEqual(address, probes[probe].Semaphore, $"{probe}: note semaphore vs symbol {symbol}");
            Assert.AreEqual(address - holder.Address + holder.Offset, probes[probe].SemaphoreOffset, $"{probe}: semaphore file offset");
        }
        foreach (UsdtProbe plain in probes.Values.Where(p => !p.Name.StartsWith("guarded", StringComparison.Ordinal)))
        {
            Assert.AreEqual(0UL, plain.Semaphore);
            Assert.AreEqual(0UL, plain.SemaphoreOffset);
        }
    }

    [TestMethod]
    [DynamicData(nameof(Variants))]
    public void FileTypeAndAddressesFitTheLinkMode(FixtureKind kind, string optimisation)
    {
        string path = Fixtures.Build(kind, optimisation);
        using ElfFile elf = ElfFile.Parse(File.ReadAllBytes(path), path);
        IReadOnlyList<UsdtProbe> probes = UsdtNoteReader.ReadProbes(elf);

        if (kind == FixtureKind.NonPie)
        {
            // Fixed addresses start at 0x400000, so an address is never its own file offset.
            Assert.AreEqual(ElfFileType.Executable, elf.FileType);
            Assert.IsTrue(probes.All(p => p.Pc >= 0x400000 && p.PcOffset < 0x400000));
        }
        else
        {
            Assert.AreEqual(ElfFileType.SharedObject, elf.FileType);
        }
        ulong baseAddress = elf.FindSection(UsdtNoteReader.BaseSectionName)!.Value.Address;
        Assert.IsTrue(probes.All(p => p.Base == baseAddress), "without prelink the recorded base is the section's address");
    }

    [TestMethod]
    [DynamicData(nameof(Variants))]
    public void EveryArgumentSpecParsesIntoTheExpectedKinds(FixtureKind kind, string optimisation)
    {
        string path = Fixtures.Build(kind, optimisation);
        var arguments = ReadProbes(path).SelectMany(p => UsdtArgumentParser.Parse(p, path)).ToList();
        var kinds = arguments.Select(a => a.Kind).ToHashSet();

        Assert.Contains(UsdtArgumentKind.Constant, kinds);
        if (optimisation == "-O0")
        {
            // Unoptimised code keeps locals on the stack: -N(%rbp).
            Assert.IsTrue(arguments.Any(a => a.Kind == UsdtArgumentKind.Memory && a.Base == X86Register.Rbp && a.Displacement < 0));
        }
        else
        {
            CollectionAssert.IsSubsetOf(new[] { UsdtArgumentKind.Register, UsdtArgumentKind.RipRelative, UsdtArgumentKind.ScaleIndexBase }, kinds.ToList());
            Assert.IsTrue(arguments.Any(a => a.Kind == UsdtArgumentKind.RipRelative && a.Symbol == "fixture_counter" && a.Size == 8 && a.IsSigned));
        }
    }

    [TestMethod]
    public void PrelinkedImageKeepsItsFileOffsets()
    {
        // Simulate prelink: it moves the whole image to a new address (every loadable segment
        // and every allocated section) but leaves the notes' recorded addresses as they were.
        // Only the .stapsdt.base correction maps those stale addresses to the right bytes, so
        // the offsets must come out exactly as in the untouched file.
        const ulong Shift = 0x7000_0000;
        string path = Fixtures.Build(FixtureKind.SharedLibrary, "-O2");
        byte[] bytes = File.ReadAllBytes(path);
        MoveImage(bytes, Shift);

        IReadOnlyList<UsdtProbe> original = ReadProbes(path);
        using ElfFile moved = ElfFile.Parse(bytes, path);
        Assert.AreEqual(ReadelfTables.Sections(path).Single(s => s.Name == UsdtNoteReader.BaseSectionName).Address + Shift, moved.FindSection(UsdtNoteReader.BaseSectionName)!.Value.Address);
        IReadOnlyList<UsdtProbe> relocated = UsdtNoteReader.ReadProbes(moved);

        Assert.HasCount(original.Count, relocated);
        for (int i = 0; i < original.Count; i++)
        {
            Assert.AreEqual(original[i].Pc, relocated[i].Pc, "the raw note value is reported unchanged");
            Assert.AreEqual(original[i].PcOffset, relocated[i].PcOffset, $"{original[i]} site offset");
            Assert.AreEqual(original[i].SemaphoreOffset, relocated[i].SemaphoreOffset, $"{original[i]} semaphore offset");
        }
    }

    /// <summary>Adds <paramref name="shift"/> to every PT_LOAD p_vaddr/p_paddr and every non-zero sh_addr, in place.</summary>
    private static void MoveImage(byte[] bytes, ulong shift)
    {
        Span<byte> image = bytes;
        int programHeaders = (int)BinaryPrimitives.ReadUInt64LittleEndian(image[0x20..]);
        int sectionHeaders = (int)BinaryPrimitives.ReadUInt64LittleEndian(image[0x28..]);
        int programCount = BinaryPrimitives.ReadUInt16LittleEndian(image[0x38..]);
        int sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(image[0x3c..]);
        void Add(int at) => BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at), BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at)) + shift);
        for (int i = 0; i < programCount; i++)
        {
            int entry = programHeaders + (i * 56);
            if (BinaryPrimitives.ReadUInt32LittleEndian(image[entry..]) == 1)
            {
                Add(entry + 16);
                Add(entry + 24);
            }
        }
        for (int i = 1; i < sectionCount; i++)
        {
            int address = sectionHeaders + (i * 64) + 16;
            if (BinaryPrimitives.ReadUInt64LittleEndian(image[address..]) != 0)
            {
                Add(address);
            }
        }
    }

    [TestMethod]
    public void SemaphoreInsideCodeIsRejectedNamingProbeFileAndAddress()
    {
        // Point the first guarded probe's semaphore at its own site, in the executable segment.
        string path = Fixtures.Build(FixtureKind.Pie, "-O2");
        byte[] bytes = File.ReadAllBytes(path);
        UsdtProbe guarded = ReadProbes(path).First(p => p.HasSemaphore);
        int descriptor = FindDescriptor(bytes, guarded);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(descriptor + 16), guarded.Pc);

        using ElfFile elf = ElfFile.Parse(bytes, path);
        var error = Assert.ThrowsExactly<UsdtNoteException>(() => UsdtNoteReader.ReadProbes(elf));
        StringAssert.Contains(error.Message, path);
        StringAssert.Contains(error.Message, $"probe {guarded}");
        StringAssert.Contains(error.Message, $"0x{guarded.Pc:x}");
    }

    private static IReadOnlyList<UsdtProbe> ReadProbes(string path)
    {
        using ElfFile elf = ElfFile.Parse(File.ReadAllBytes(path), path);
        return UsdtNoteReader.ReadProbes(elf);
    }

    /// <summary>The note descriptor of a probe: its pc, base and semaphore as 24 consecutive bytes.</summary>
    private static int FindDescriptor(byte[] bytes, UsdtProbe probe)
    {
        byte[] pattern = new byte[24];
        BinaryPrimitives.WriteUInt64LittleEndian(pattern, probe.Pc);
        BinaryPrimitives.WriteUInt64LittleEndian(pattern.AsSpan(8), probe.Base);
        BinaryPrimitives.WriteUInt64LittleEndian(pattern.AsSpan(16), probe.Semaphore);
        int at = bytes.AsSpan().IndexOf(pattern);
        Assert.IsGreaterThanOrEqualTo(0, at, $"descriptor of {probe} not found");
        return at;
    }
}
