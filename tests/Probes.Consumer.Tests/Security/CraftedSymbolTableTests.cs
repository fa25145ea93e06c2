using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Probes.Consumer.Elf;
using Probes.Consumer.Tests.Support;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Security;

/// <summary>
/// Hostile symbol tables: copies of the operand fixture (a fixed-address build, whose operands
/// name globals that only .symtab holds) with .symtab or .strtab damaged or inflated. The file
/// still lists; each operand that names a symbol gets an error that says what is wrong with the
/// table, and the probes without symbols stay traceable. A table at every limit at once costs
/// what <see cref="ElfLimits"/> says: its name table, and nothing by its claimed entry count.
/// </summary>
[TestClass]
public sealed class CraftedSymbolTableTests
{
    private const int SectionHeaderSize = 64;
    private const int ShOffset = 24, ShSize = 32, ShLink = 40, ShEntSize = 56;

    public static IEnumerable<object[]> Damages =>
    [
        ["entries of 16 bytes", "its symbol tables cannot be read: {path}: symbol table .symtab has entries of 16 bytes, expected 24 for ELF64"],
        ["a partial entry", "its symbol tables cannot be read: {path}: symbol table .symtab is {size} bytes, not a whole number of 24-byte entries"],
        ["names in a table that is not a string table", "its symbol tables cannot be read: {path}: symbol table .symtab links to section {symtab}, which is not a string table"],
        ["entries past the end of the file", "its symbol tables cannot be read: {path}: section .symtab (0x{hugeSize} bytes at offset 0x{offset}) lies outside the file (0x{length} bytes)"],
        ["more entries than the limit", "symbol 'counter' is not defined in the file (searched .dynsym; not searched: .symtab: {tooMany} symbols, more than the limit of {maxSymbols})"],
        ["a name table over the limit", "symbol 'counter' is not defined in the file (searched .dynsym; not searched: .symtab: its names (.strtab) take {tooLong} bytes, more than the limit of {maxNames})"],
        ["names without a NUL", "symbol 'counter' is not defined in the file (searched .symtab and .dynsym)"],
        ["name offsets past the name table", "symbol 'counter' is not defined in the file (searched .symtab and .dynsym)"],
    ];

    [TestMethod]
    [DynamicData(nameof(Damages))]
    public void A_damaged_symbol_table_costs_the_operands_that_name_symbols_and_nothing_else(string damage, string expected)
    {
        OperandFixture fixture = OperandFixture.Build(FixtureKind.NonPie, "-O2");
        byte[] bytes = File.ReadAllBytes(fixture.ProbeFile);
        List<ReadelfSection> sections = ReadelfTables.Sections(fixture.ProbeFile);
        ReadelfSection symtab = sections.Single(s => s.Name == ".symtab");
        ReadelfSection strtab = sections.Single(s => s.Name == ".strtab");
        int header(ReadelfSection s) => (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(0x28)) + (s.Index * SectionHeaderSize);
        ulong hugeSize = ((ulong)bytes.Length / 24 + 1000) * 24;
        switch (damage)
        {
            case "entries of 16 bytes": Write64(bytes, header(symtab) + ShEntSize, 16); break;
            case "a partial entry": Write64(bytes, header(symtab) + ShSize, symtab.Size - 1); break;
            case "names in a table that is not a string table": Write32(bytes, header(symtab) + ShLink, (uint)symtab.Index); break;
            case "entries past the end of the file": Write64(bytes, header(symtab) + ShSize, hugeSize); break;
            case "more entries than the limit": Write64(bytes, header(symtab) + ShSize, (ulong)(ElfLimits.MaxSymbolsPerTable + 1) * 24); break;
            case "a name table over the limit": Write64(bytes, header(strtab) + ShSize, ElfLimits.MaxSymbolNameTableBytes + 1UL); break;
            case "names without a NUL": bytes.AsSpan((int)strtab.Offset, (int)strtab.Size).Replace((byte)0, (byte)'x'); break;
            case "name offsets past the name table":
                for (int entry = (int)symtab.Offset; entry < (int)(symtab.Offset + symtab.Size); entry += 24)
                {
                    Write32(bytes, entry, (uint)strtab.Size + (uint)entry);
                }
                break;
            default: throw new ArgumentOutOfRangeException(nameof(damage));
        }
        string path = Path.Combine(TestPaths.ScratchDirectory, $"crafted-symtab-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, bytes);
        string line = expected.Replace("{path}", path, StringComparison.Ordinal)
            .Replace("{size}", $"{symtab.Size - 1}", StringComparison.Ordinal)
            .Replace("{symtab}", $"{symtab.Index}", StringComparison.Ordinal)
            .Replace("{hugeSize}", $"{hugeSize:x}", StringComparison.Ordinal)
            .Replace("{offset}", $"{symtab.Offset:x}", StringComparison.Ordinal)
            .Replace("{length}", $"{bytes.Length:x}", StringComparison.Ordinal)
            .Replace("{tooMany}", $"{ElfLimits.MaxSymbolsPerTable + 1}", StringComparison.Ordinal)
            .Replace("{maxSymbols}", $"{ElfLimits.MaxSymbolsPerTable}", StringComparison.Ordinal)
            .Replace("{tooLong}", $"{ElfLimits.MaxSymbolNameTableBytes + 1}", StringComparison.Ordinal)
            .Replace("{maxNames}", $"{ElfLimits.MaxSymbolNameTableBytes}", StringComparison.Ordinal);

        using ElfFile elf = ElfFile.Open(File.OpenHandle(path), path);
        IReadOnlyList<UsdtProbe> probes = UsdtNoteReader.ReadProbes(elf);
        Dictionary<string, UsdtDecodedArguments> decoded = probes.Zip(UsdtArgumentDecoder.Decode(elf, probes)).ToDictionary(p => p.First.Name, p => p.Second);

        Assert.HasCount(OperandFixture.ProbeNames.Length, probes, "every probe is still listed");
        Assert.AreEqual(new UsdtArgumentError(0, "-8@counter(%rip)", line), decoded["globals"].Errors[0]);
        foreach (string intact in new[] { "widths", "pointers", "constants" })
        {
            Assert.IsTrue(decoded[intact].IsComplete, $"{intact}: {string.Join("; ", decoded[intact].Errors)}");
        }
        Assert.IsFalse(decoded["arrays"].IsComplete, "table(,%rdi,4) names a symbol too");
    }

    /// <summary>
    /// 4 Mi entries (the limit), every one defined, and a 16 MiB name table (the limit): either
    /// names like a wanted symbol but not quite (each compared in full), or no NUL at all while
    /// the wanted name is 4,000 bytes long (each scanned that far). The lookup streams the
    /// entries, so it allocates the name table and a chunk, not 96 MiB of entries or objects
    /// per entry; the time it takes is printed (about a second here), not asserted.
    /// </summary>
    [TestMethod]
    [DoNotParallelize]
    [DataRow(true)]
    [DataRow(false)]
    public void A_symbol_table_at_every_limit_costs_its_name_table_and_a_chunk(bool nearMisses)
    {
        string path = TableAtEveryLimit(nearMisses);
        using ElfFile elf = ElfFile.Open(File.OpenHandle(path), path);
        string[] wanted = nearMisses ? ["counter", "table"] : ["counter", new string('x', 4000)];
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        ElfSymbolSearch search = elf.FindSymbols(wanted);
        clock.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Console.WriteLine($"{new FileInfo(path).Length} byte file, {ElfLimits.MaxSymbolsPerTable} symbols, {(nearMisses ? "near-miss names" : "names without a NUL, a 4,000-byte wanted name")}: {allocated} bytes allocated, {clock.ElapsedMilliseconds} ms");
        CollectionAssert.AreEqual(new[] { ".symtab", ".dynsym" }, search.TablesRead.ToList());
        Assert.IsFalse(search.Definitions.ContainsKey("counter"));
        Assert.IsLessThan(ElfLimits.MaxSymbolNameTableBytes + (1L << 20), allocated);
        File.Delete(path);
    }

    /// <summary>
    /// 2,000 symbol table headers, all naming one 16 MiB string table: only the first table of a
    /// type is read (the gABI allows one), so the name table is loaded once, not 2,000 times.
    /// </summary>
    [TestMethod]
    [DoNotParallelize]
    public void Many_symbol_tables_cost_one()
    {
        OperandFixture fixture = OperandFixture.Build(FixtureKind.NonPie, "-O2");
        var bytes = new List<byte>(File.ReadAllBytes(fixture.ProbeFile));
        List<ReadelfSection> sections = ReadelfTables.Sections(fixture.ProbeFile);
        ReadelfSection symtab = sections.Single(s => s.Name == ".symtab");
        int shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.ToArray().AsSpan(0x28));
        byte[] table = bytes.GetRange(shoff, sections.Count * SectionHeaderSize).ToArray();

        ulong namesOffset = (ulong)bytes.Count;
        bytes.AddRange(new byte[ElfLimits.MaxSymbolNameTableBytes]);
        byte[] names = table.AsSpan(sections.Single(s => s.Name == ".strtab").Index * SectionHeaderSize, SectionHeaderSize).ToArray();
        Write64(names, ShOffset, namesOffset);
        Write64(names, ShSize, (ulong)ElfLimits.MaxSymbolNameTableBytes);
        byte[] entry = table.AsSpan(symtab.Index * SectionHeaderSize, SectionHeaderSize).ToArray();
        Write32(entry, ShLink, (uint)sections.Count);
        Write64(entry, ShSize, 24);
        const int Tables = 2000;
        var headers = new List<byte>(table);
        headers.AddRange(names);
        for (int i = 0; i < Tables; i++)
        {
            headers.AddRange(entry);
        }
        // The real .symtab becomes one of the copies: every table of the file is then a copy.
        headers.RemoveRange(symtab.Index * SectionHeaderSize, SectionHeaderSize);
        headers.InsertRange(symtab.Index * SectionHeaderSize, entry);
        int newShoff = bytes.Count;
        bytes.AddRange(headers);
        byte[] image = bytes.ToArray();
        Write64(image, 0x28, (ulong)newShoff);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x3c), (ushort)(sections.Count + 1 + Tables));
        string path = Path.Combine(TestPaths.ScratchDirectory, $"many-symbol-tables-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, image);

        using ElfFile elf = ElfFile.Open(File.OpenHandle(path), path);
        long before = GC.GetAllocatedBytesForCurrentThread();
        ElfSymbolSearch search = elf.FindSymbols(["counter"]);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Console.WriteLine($"{Tables + 1} symbol tables naming one {ElfLimits.MaxSymbolNameTableBytes}-byte string table: {allocated} bytes allocated");
        Assert.AreEqual(Tables + 1, elf.Sections.Count(s => s.Type == ElfSection.TypeSymbolTable));
        CollectionAssert.AreEqual(new[] { ".symtab", ".dynsym" }, search.TablesRead.ToList());
        Assert.IsLessThan(ElfLimits.MaxSymbolNameTableBytes + (1L << 20), allocated);
        File.Delete(path);
    }

    /// <summary>The fixture with .symtab and .strtab replaced by tables at the limits, appended to the file.</summary>
    private static string TableAtEveryLimit(bool nearMisses)
    {
        OperandFixture fixture = OperandFixture.Build(FixtureKind.NonPie, "-O2");
        byte[] original = File.ReadAllBytes(fixture.ProbeFile);
        List<ReadelfSection> sections = ReadelfTables.Sections(fixture.ProbeFile);
        ReadelfSection symtab = sections.Single(s => s.Name == ".symtab");
        ReadelfSection strtab = sections.Single(s => s.Name == ".strtab");
        int shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(original.AsSpan(0x28));

        // Names "counteA".."counteZ" and more of the same length: each is compared in full, and none matches.
        byte[] names = new byte[ElfLimits.MaxSymbolNameTableBytes];
        int stride = "counteX".Length + 1;
        for (int at = 0; at + stride <= names.Length; at += stride)
        {
            Encoding.ASCII.GetBytes("counte", names.AsSpan(at));
            names[at + 6] = (byte)('A' + (at / stride % 26));
            names[at + 7] = nearMisses ? (byte)0 : (byte)'x';
        }
        ulong namesOffset = (ulong)original.Length;
        ulong entriesOffset = namesOffset + (ulong)names.Length;
        string path = Path.Combine(TestPaths.ScratchDirectory, $"symtab-at-every-limit-{Guid.NewGuid():N}");
        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            Write64(original, shoff + (strtab.Index * SectionHeaderSize) + ShOffset, namesOffset);
            Write64(original, shoff + (strtab.Index * SectionHeaderSize) + ShSize, (ulong)names.Length);
            Write64(original, shoff + (symtab.Index * SectionHeaderSize) + ShOffset, entriesOffset);
            Write64(original, shoff + (symtab.Index * SectionHeaderSize) + ShSize, (ulong)ElfLimits.MaxSymbolsPerTable * 24);
            file.Write(original);
            file.Write(names);
            byte[] chunk = new byte[24 * 4096];
            for (int first = 0; first < ElfLimits.MaxSymbolsPerTable; first += 4096)
            {
                for (int i = 0; i < 4096; i++)
                {
                    Span<byte> entry = chunk.AsSpan(i * 24, 24);
                    BinaryPrimitives.WriteUInt32LittleEndian(entry, (uint)(((first + i) * stride) % (names.Length - stride)));
                    entry[4] = 0x11; // STB_GLOBAL, STT_OBJECT
                    BinaryPrimitives.WriteUInt16LittleEndian(entry[6..], 1);
                    BinaryPrimitives.WriteUInt64LittleEndian(entry[8..], 0x404000);
                }
                file.Write(chunk);
            }
        }
        return path;
    }

    private static void Write64(byte[] bytes, int at, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at), value);

    private static void Write32(byte[] bytes, int at, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), value);
}
