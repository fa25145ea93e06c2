using System.Buffers.Binary;
using Probes.Consumer.Elf;
using Probes.Consumer.Tests.Support;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Elf;

/// <summary>The ELF reader against binutils, and its precise errors for each kind of damage.</summary>
[TestClass]
public sealed class ElfFileTests
{
    // ELF64 header field offsets (gABI).
    private const int PhOff = 0x20, ShOff = 0x28, PhEntSize = 0x36, PhNum = 0x38, ShNum = 0x3c, ShStrNdx = 0x3e;

    public static IEnumerable<object[]> Files =>
    [
        ["/usr/lib/x86_64-linux-gnu/libstdc++.so.6"],
        ["/usr/bin/python3.11"],
        ["shim"],
    ];

    [TestMethod]
    [DynamicData(nameof(Files))]
    public void SectionsMatchReadelf(string file)
    {
        string path = file == "shim" ? TestPaths.LibProbes : file;
        if (!File.Exists(path))
        {
            Assert.Inconclusive($"{path} is not installed here");
        }
        List<ReadelfSection> expected = ReadelfTables.Sections(path);
        using ElfFile elf = ElfFile.Parse(File.ReadAllBytes(path), path);

        CollectionAssert.AreEqual(
            expected.Select(s => (s.Index, s.Name, s.Address, s.Offset, s.Size)).ToList(),
            elf.Sections.Select(s => (s.Index, s.Name, s.Address, s.Offset, s.Size)).ToList());
    }

    /// <summary>
    /// Every note section, not only .note.stapsdt: gcc-linked programs carry an 8-byte-aligned
    /// .note.gnu.property, whose descriptor starts right after "GNU\0", at entry offset 16.
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(Files))]
    [DataRow("fixture")]
    public void EveryNoteSectionMatchesReadelf(string file)
    {
        string path = file switch
        {
            "shim" => TestPaths.LibProbes,
            "fixture" => Fixtures.Build(FixtureKind.Pie, "-O2"),
            _ => file,
        };
        if (!File.Exists(path))
        {
            Assert.Inconclusive($"{path} is not installed here");
        }
        List<ReadelfNoteEntry> expected = ReadelfNotes.Entries(path);
        using ElfFile elf = ElfFile.Parse(File.ReadAllBytes(path), path);
        var actual = new List<ReadelfNoteEntry>();
        foreach (ElfSection section in elf.Sections.Where(s => s.Type == ElfSection.TypeNote))
        {
            foreach (ElfNote note in elf.ReadNotes(section))
            {
                string? buildId = note.Owner == "GNU" && note.Type == 3 ? Convert.ToHexStringLower(note.Descriptor.Span) : null;
                actual.Add(new ReadelfNoteEntry(section.Name, note.Owner, note.Descriptor.Length, buildId));
            }
        }
        Assert.IsNotEmpty(expected);
        CollectionAssert.AreEqual(expected, actual, $"notes of {path}:\nreadelf: {string.Join("; ", expected)}\nours:    {string.Join("; ", actual)}");
    }

    [TestMethod]
    public void EightByteAlignedNotesPlaceTheDescriptorAfterTheAlignedName()
    {
        // "stapsdt\0" is 8 bytes: 12 + 8 = 20 is where a 4-aligned descriptor starts, 24 an 8-aligned one.
        byte[] section = [.. Entry("stapsdt", 8, [1, 2, 3, 4]), .. Entry("GNU", 8, [5, 6, 7, 8, 9, 10, 11, 12])];
        List<ElfNote> notes = ElfNoteParser.Parse(section, 8, "test");
        Assert.HasCount(2, notes);
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3, 4 }, notes[0].Descriptor.ToArray());
        Assert.AreEqual(32, notes[1].Offset, "the next entry starts at the 8-aligned end of the descriptor");
        Assert.AreEqual("GNU", notes[1].Owner);
        CollectionAssert.AreEqual(new byte[] { 5, 6, 7, 8, 9, 10, 11, 12 }, notes[1].Descriptor.ToArray());

        byte[] fourAligned = [.. Entry("stapsdt", 4, [1, 2, 3, 4]), .. Entry("GNU", 4, [5, 6, 7, 8, 9, 10, 11, 12])];
        List<ElfNote> four = ElfNoteParser.Parse(fourAligned, 4, "test");
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3, 4 }, four[0].Descriptor.ToArray());
        Assert.AreEqual(24, four[1].Offset);
    }

    [TestMethod]
    public void NoteSectionWithAnAlignmentOtherThanFourOrEightIsRefused()
    {
        byte[] bytes = Shim();
        SetNoteSectionField(bytes, 48, 16);
        using ElfFile elf = ElfFile.Parse(bytes, "x");
        var error = Assert.ThrowsExactly<ElfFormatException>(() => UsdtNoteReader.ReadProbes(elf));
        Assert.AreEqual("x: note section .note.stapsdt has alignment 16; note entries are aligned to 4 or 8 bytes", error.Message);
    }

    /// <summary>One note entry, its name and descriptor each padded so the entry's parts start at multiples of <paramref name="alignment"/>.</summary>
    private static byte[] Entry(string owner, int alignment, byte[] descriptor)
    {
        var bytes = new List<byte>();
        byte[] name = [.. System.Text.Encoding.ASCII.GetBytes(owner), 0];
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)name.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)descriptor.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], 3);
        bytes.AddRange(header.ToArray());
        bytes.AddRange(name);
        while (bytes.Count % alignment != 0)
        {
            bytes.Add(0);
        }
        bytes.AddRange(descriptor);
        while (bytes.Count % alignment != 0)
        {
            bytes.Add(0);
        }
        return bytes.ToArray();
    }

    [TestMethod]
    public void ReadsFromAFileHandleLikeFromMemory()
    {
        string path = TestPaths.LibProbes;
        using ElfFile fromMemory = ElfFile.Parse(File.ReadAllBytes(path), path);
        using ElfFile fromFile = ElfFile.Open(File.OpenHandle(path), path);
        CollectionAssert.AreEqual(fromMemory.Sections.ToList(), fromFile.Sections.ToList());
        CollectionAssert.AreEqual(fromMemory.Segments.ToList(), fromFile.Segments.ToList());
        CollectionAssert.AreEqual(UsdtNoteReader.ReadProbes(fromMemory).ToList(), UsdtNoteReader.ReadProbes(fromFile).ToList());
    }

    [TestMethod]
    public void FileWithoutStapsdtNotesHasNoProbes()
    {
        using ElfFile elf = ElfFile.Parse(File.ReadAllBytes(TestPaths.ProbesExecutable), "probes");
        Assert.IsEmpty(UsdtNoteReader.ReadProbes(elf));
        Assert.IsNotEmpty(elf.Sections);
    }

    [TestMethod]
    public void BadMagic() => AssertError(b => b[1] = (byte)'X', "not an ELF file (bad magic)");

    [TestMethod]
    public void Elf32IsRefused() => AssertError(b => b[4] = 1, "only ELF64 is supported (EI_CLASS 1)");

    [TestMethod]
    public void BigEndianIsRefused() => AssertError(b => b[5] = 2, "only little-endian ELF is supported (EI_DATA 2)");

    [TestMethod]
    public void TruncatedHeader()
    {
        var error = Assert.ThrowsExactly<ElfFormatException>(() => ElfFile.Parse(Shim().AsMemory(0, 10), "x"));
        Assert.AreEqual("x: ELF header (0x40 bytes at offset 0x0) lies outside the file (0xa bytes)", error.Message);
    }

    [TestMethod]
    public void SectionTableBeyondTheFile() =>
        AssertError(b => WriteU64(b, ShOff, (ulong)b.Length), "section header table (", "lies outside the file");

    [TestMethod]
    public void SectionTableOffsetThatWouldOverflow() =>
        AssertError(b => WriteU64(b, ShOff, ulong.MaxValue - 8), "section header table (", $"at offset 0x{ulong.MaxValue - 8:x}) lies outside the file");

    [TestMethod]
    public void ProgramTableOffsetThatWouldOverflow() =>
        AssertError(b => WriteU64(b, PhOff, ulong.MaxValue), "program header table (", "lies outside the file");

    [TestMethod]
    public void WrongProgramHeaderEntrySize() =>
        AssertError(b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(PhEntSize), 32), "e_phentsize is 32, expected 56 for ELF64");

    [TestMethod]
    public void ExtendedSectionCountAboveTheLimit() =>
        AssertError(
            b =>
            {
                // e_shnum = 0 means "the count is in section 0's sh_size" (gABI extended numbering).
                BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(ShNum), 0);
                WriteU64(b, (int)ReadU64(b, ShOff) + 32, 1_000_000_000);
            },
            $"section count (section 0 sh_size) is 1000000000, more than the limit of {ElfLimits.MaxSections}");

    [TestMethod]
    public void SectionNameTableIndexOutOfRange() =>
        AssertError(b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(ShStrNdx), 0xfff0), "section name table index 65520 is outside the");

    [TestMethod]
    public void SectionNameOffsetOutsideTheTable() =>
        AssertError(b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan((int)ReadU64(b, ShOff) + 64), 0xfffffff0), "section 1 name offset 0xfffffff0 is outside the name table");

    [TestMethod]
    public void NoteSectionLargerThanTheLimit()
    {
        byte[] bytes = Shim();
        SetNoteSectionField(bytes, 32, (ulong)ElfLimits.MaxNoteSectionBytes + 1);
        using ElfFile elf = ElfFile.Parse(bytes, "x");
        var error = Assert.ThrowsExactly<ElfFormatException>(() => UsdtNoteReader.ReadProbes(elf));
        Assert.AreEqual($"x: note section .note.stapsdt is {ElfLimits.MaxNoteSectionBytes + 1} bytes, more than the limit of {ElfLimits.MaxNoteSectionBytes}", error.Message);
    }

    [TestMethod]
    public void NoteWhoseDescriptorRunsPastItsSection()
    {
        byte[] bytes = Shim();
        ulong noteOffset = SetNoteSectionField(bytes, 0, 0); // read only, to learn where the notes are
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)noteOffset + 4), 0x7fff_ffff);
        using ElfFile elf = ElfFile.Parse(bytes, "x");
        var error = Assert.ThrowsExactly<ElfFormatException>(() => UsdtNoteReader.ReadProbes(elf));
        StringAssert.Contains(error.Message, "x: section .note.stapsdt: note at offset 0x0 (name 8 bytes, descriptor 2147483647 bytes) runs past the section end");
    }

    [TestMethod]
    public void StapsdtDescriptorTooShortForItsAddresses()
    {
        byte[] bytes = Shim();
        // First note only (12-byte header, "stapsdt\0", 16 descriptor bytes): the section ends after it.
        ulong noteOffset = SetNoteSectionField(bytes, 32, 12 + 8 + 16);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)noteOffset + 4), 16);
        using ElfFile elf = ElfFile.Parse(bytes, "x");
        var error = Assert.ThrowsExactly<UsdtNoteException>(() => UsdtNoteReader.ReadProbes(elf));
        Assert.AreEqual("x: stapsdt note at offset 0x0: descriptor of 16 bytes is too short for its three addresses", error.Message);
    }

    [TestMethod]
    public void SectionNamesAddingUpPastTheLimit()
    {
        // A name table of one long name just under the per-file budget, named by every section:
        // each name alone is fine, together they would decode the long name once per section.
        byte[] shim = Shim();
        int longName = ElfLimits.MaxSectionNameBytesPerFile - 10;
        byte[] bytes = [.. shim, .. Enumerable.Repeat((byte)'n', longName), 0];
        int table = (int)ReadU64(bytes, ShOff);
        int count = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(ShNum));
        int names = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(ShStrNdx));
        WriteU64(bytes, table + (names * 64) + 24, (ulong)shim.Length);
        WriteU64(bytes, table + (names * 64) + 32, (ulong)longName + 1);
        for (int i = 1; i < count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(table + (i * 64)), 0);
        }
        var error = Assert.ThrowsExactly<ElfFormatException>(() => ElfFile.Parse(bytes, "x"));
        Assert.AreEqual($"x: section names add up to more than the limit of {ElfLimits.MaxSectionNameBytesPerFile} bytes (at section 2)", error.Message);
    }

    [TestMethod]
    public void ReadBytesIsCheckedAgainstTheFile()
    {
        byte[] bytes = Shim();
        using ElfFile elf = ElfFile.Parse(bytes, "x");
        Span<byte> start = stackalloc byte[4];
        elf.ReadBytes(0, start);
        CollectionAssert.AreEqual(bytes[..4], start.ToArray());
        var error = Assert.ThrowsExactly<ElfFormatException>(() => elf.ReadBytes(elf.Length - 1, new byte[2]));
        Assert.AreEqual($"x: requested range (0x2 bytes at offset 0x{elf.Length - 1:x}) lies outside the file (0x{elf.Length:x} bytes)", error.Message);
        Assert.AreEqual(ElfMachine.X86_64, elf.Machine);
    }

    private static byte[] Shim() => File.ReadAllBytes(TestPaths.LibProbes);

    private static void AssertError(Action<byte[]> damage, params string[] fragments)
    {
        byte[] bytes = Shim();
        damage(bytes);
        var error = Assert.ThrowsExactly<ElfFormatException>(() => ElfFile.Parse(bytes, "damaged.so"));
        StringAssert.StartsWith(error.Message, "damaged.so: ");
        foreach (string fragment in fragments)
        {
            StringAssert.Contains(error.Message, fragment);
        }
    }

    /// <summary>Finds .note.stapsdt through readelf, overwrites one u64 field of its header (unless value is 0), returns its file offset.</summary>
    private static ulong SetNoteSectionField(byte[] bytes, int field, ulong value)
    {
        ReadelfSection notes = ReadelfTables.Sections(TestPaths.LibProbes).Single(s => s.Name == ".note.stapsdt");
        if (value != 0)
        {
            WriteU64(bytes, (int)ReadU64(bytes, ShOff) + (notes.Index * 64) + field, value);
        }
        return notes.Offset;
    }

    private static ulong ReadU64(byte[] bytes, int at) => BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at));

    private static void WriteU64(byte[] bytes, int at, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at), value);
}
