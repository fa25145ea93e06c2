using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Probes.Consumer.Elf;

/// <summary>
/// A bounds-checked reader of ELF64 little-endian files (x86-64, aarch64, ...). It reads the
/// file header, the program and section header tables and the section names when opened,
/// and note sections on request. Every offset and size taken from the file is checked
/// against the file length with overflow-safe arithmetic, and every count against
/// <see cref="ElfLimits"/>, before anything is read or allocated; a violation is an
/// <see cref="ElfFormatException"/> naming the file and the field.
/// </summary>
public sealed class ElfFile : IElfFile
{
    private const int HeaderSize = 64;
    private const int ProgramHeaderSize = 56;
    private const int SectionHeaderSize = 64;
    private const ushort SectionIndexEscape = 0xffff; // SHN_XINDEX / PN_XNUM: the real value is in section 0

    private static ReadOnlySpan<byte> Magic => [0x7f, (byte)'E', (byte)'L', (byte)'F'];

    private readonly IElfSource _source;
    private readonly ElfSection[] _sections;
    private readonly ElfSegment[] _segments;

    private ElfFile(IElfSource source, string path)
    {
        _source = source;
        Path = path;

        Span<byte> header = stackalloc byte[HeaderSize];
        // The magic first, so a short non-ELF file is called what it is rather than "truncated".
        if (source.Length < Magic.Length)
        {
            throw Error("not an ELF file (shorter than the ELF magic)");
        }
        ReadChecked(0, header[..Magic.Length], "ELF magic");
        if (!header[..Magic.Length].SequenceEqual(Magic))
        {
            throw Error("not an ELF file (bad magic)");
        }
        ReadChecked(0, header, "ELF header");
        ValidateIdent(header);

        FileType = (ElfFileType)BinaryPrimitives.ReadUInt16LittleEndian(header[16..]);
        Machine = (ElfMachine)BinaryPrimitives.ReadUInt16LittleEndian(header[18..]);
        ulong programHeaderOffset = BinaryPrimitives.ReadUInt64LittleEndian(header[32..]);
        ulong sectionHeaderOffset = BinaryPrimitives.ReadUInt64LittleEndian(header[40..]);
        ushort programHeaderEntrySize = BinaryPrimitives.ReadUInt16LittleEndian(header[54..]);
        uint programHeaderCount = BinaryPrimitives.ReadUInt16LittleEndian(header[56..]);
        ushort sectionHeaderEntrySize = BinaryPrimitives.ReadUInt16LittleEndian(header[58..]);
        uint sectionHeaderCount = BinaryPrimitives.ReadUInt16LittleEndian(header[60..]);
        uint sectionNameTableIndex = BinaryPrimitives.ReadUInt16LittleEndian(header[62..]);

        // Extended numbering (gABI): with more than 0xff00 sections or 0xffff segments the
        // header fields hold escapes and section 0 carries the real values.
        if (sectionHeaderOffset != 0 && (sectionHeaderCount == 0 || sectionNameTableIndex == SectionIndexEscape || programHeaderCount == SectionIndexEscape))
        {
            RequireEntrySize(sectionHeaderEntrySize, SectionHeaderSize, "e_shentsize");
            Span<byte> first = stackalloc byte[SectionHeaderSize];
            ReadChecked(sectionHeaderOffset, first, "section header 0");
            if (sectionHeaderCount == 0)
            {
                sectionHeaderCount = CheckedCount(BinaryPrimitives.ReadUInt64LittleEndian(first[32..]), "section count (section 0 sh_size)");
            }
            if (sectionNameTableIndex == SectionIndexEscape)
            {
                sectionNameTableIndex = BinaryPrimitives.ReadUInt32LittleEndian(first[40..]);
            }
            if (programHeaderCount == SectionIndexEscape)
            {
                programHeaderCount = BinaryPrimitives.ReadUInt32LittleEndian(first[44..]);
            }
        }

        _segments = ReadSegments(programHeaderOffset, programHeaderEntrySize, programHeaderCount);
        _sections = ReadSections(sectionHeaderOffset, sectionHeaderEntrySize, sectionHeaderCount, sectionNameTableIndex);
    }

    public string Path { get; }

    public ElfFileType FileType { get; }

    public ElfMachine Machine { get; }

    public ulong Length => (ulong)_source.Length;

    public IReadOnlyList<ElfSection> Sections => _sections;

    public IReadOnlyList<ElfSegment> Segments => _segments;

    /// <summary>Parses an image held in memory (tests, fuzzing).</summary>
    public static ElfFile Parse(ReadOnlyMemory<byte> image, string path) => Create(new MemoryElfSource(image), path);

    /// <summary>Parses an open file; the returned object owns <paramref name="handle"/> and closes it on dispose.</summary>
    public static ElfFile Open(SafeFileHandle handle, string path) => Create(new FileElfSource(handle, path), path);

    /// <summary>True when the file starts with the ELF magic (so a non-ELF mapping can be skipped silently).</summary>
    public static bool HasElfMagic(SafeFileHandle handle)
    {
        // Length first: a device such as /dev/zero reports 0 bytes and is no ELF file.
        Span<byte> start = stackalloc byte[4];
        return RandomAccess.GetLength(handle) >= start.Length && RandomAccess.Read(handle, start, 0) == start.Length && start.SequenceEqual(Magic);
    }

    public ElfSection? FindSection(string name)
    {
        foreach (ElfSection section in _sections)
        {
            if (section.Name == name)
            {
                return section;
            }
        }
        return null;
    }

    public IReadOnlyList<ElfNote> ReadNotes(ElfSection section)
    {
        if (!section.HasFileData)
        {
            throw Error($"note section {section.Name} has no file data");
        }
        if (section.Size > ElfLimits.MaxNoteSectionBytes)
        {
            throw Error($"note section {section.Name} is {section.Size} bytes, more than the limit of {ElfLimits.MaxNoteSectionBytes}");
        }
        RequireInsideFile(section.Offset, section.Size, $"section {section.Name}");
        byte[] data = new byte[(int)section.Size];
        ReadChecked(section.Offset, data, $"section {section.Name}");
        // Entries are 4-byte aligned except in sections that declare 8 (gABI, e.g. .note.gnu.property);
        // 0, 1 and 2 mean no constraint, so 4 (as readelf reads them). Anything else is no note layout.
        int alignment = section.Alignment switch
        {
            <= 4 => 4,
            8 => 8,
            _ => throw Error($"note section {section.Name} has alignment {section.Alignment}; note entries are aligned to 4 or 8 bytes"),
        };
        return ElfNoteParser.Parse(data, alignment, $"{Path}: section {section.Name}");
    }

    public void ReadBytes(ulong offset, Span<byte> destination) => ReadChecked(offset, destination, "requested range");

    public ElfSymbolSearch FindSymbols(IReadOnlyCollection<string> names) => new ElfSymbolReader(this).Find(names);

    /// <summary>Reads a whole section that <see cref="ElfSymbolReader"/> has checked against its limit.</summary>
    internal byte[] ReadSection(ElfSection section)
    {
        if (!section.HasFileData)
        {
            throw Error($"section {section.Name} has no file data");
        }
        RequireInsideFile(section.Offset, section.Size, $"section {section.Name}");
        byte[] data = new byte[section.Size];
        ReadChecked(section.Offset, data, $"section {section.Name}");
        return data;
    }

    /// <summary>Reads part of a section, checked against the section and the file.</summary>
    internal void ReadSectionPart(ElfSection section, ulong offset, Span<byte> destination)
    {
        RequireInsideFile(section.Offset, section.Size, $"section {section.Name}");
        if (offset > section.Size || (ulong)destination.Length > section.Size - offset)
        {
            throw Error($"0x{destination.Length:x} bytes at 0x{offset:x} lie outside section {section.Name} (0x{section.Size:x} bytes)");
        }
        ReadChecked(section.Offset + offset, destination, $"section {section.Name}");
    }

    internal ElfFormatException Error(string message) => new($"{Path}: {message}");

    public void Dispose() => _source.Dispose();

    private static ElfFile Create(IElfSource source, string path)
    {
        try
        {
            return new ElfFile(source, path);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    private void ValidateIdent(ReadOnlySpan<byte> header)
    {
        if (header[4] != 2)
        {
            throw Error($"only ELF64 is supported (EI_CLASS {header[4]})");
        }
        if (header[5] != 1)
        {
            throw Error($"only little-endian ELF is supported (EI_DATA {header[5]})");
        }
        if (header[6] != 1)
        {
            throw Error($"unknown ELF version {header[6]}");
        }
    }

    private ElfSegment[] ReadSegments(ulong tableOffset, ushort entrySize, uint count)
    {
        if (count == 0)
        {
            return [];
        }
        if (count > ElfLimits.MaxSegments)
        {
            throw Error($"{count} program headers, more than the limit of {ElfLimits.MaxSegments}");
        }
        RequireEntrySize(entrySize, ProgramHeaderSize, "e_phentsize");
        RequireInsideFile(tableOffset, count * ProgramHeaderSize, "program header table");
        byte[] table = new byte[count * ProgramHeaderSize];
        ReadChecked(tableOffset, table, "program header table");

        var segments = new ElfSegment[count];
        for (int i = 0; i < segments.Length; i++)
        {
            ReadOnlySpan<byte> entry = table.AsSpan(i * ProgramHeaderSize, ProgramHeaderSize);
            segments[i] = new ElfSegment(
                Type: BinaryPrimitives.ReadUInt32LittleEndian(entry),
                Flags: BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]),
                Offset: BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]),
                VirtualAddress: BinaryPrimitives.ReadUInt64LittleEndian(entry[16..]),
                FileSize: BinaryPrimitives.ReadUInt64LittleEndian(entry[32..]),
                MemorySize: BinaryPrimitives.ReadUInt64LittleEndian(entry[40..]),
                Alignment: BinaryPrimitives.ReadUInt64LittleEndian(entry[48..]));
        }
        return segments;
    }

    private ElfSection[] ReadSections(ulong tableOffset, ushort entrySize, uint count, uint nameTableIndex)
    {
        if (count == 0 || tableOffset == 0)
        {
            return [];
        }
        if (count > ElfLimits.MaxSections)
        {
            throw Error($"{count} section headers, more than the limit of {ElfLimits.MaxSections}");
        }
        RequireEntrySize(entrySize, SectionHeaderSize, "e_shentsize");
        RequireInsideFile(tableOffset, count * SectionHeaderSize, "section header table");
        byte[] table = new byte[count * SectionHeaderSize];
        ReadChecked(tableOffset, table, "section header table");

        byte[] names = ReadSectionNameTable(table, count, nameTableIndex);
        int nameBudget = ElfLimits.MaxSectionNameBytesPerFile;
        var sections = new ElfSection[count];
        for (int i = 0; i < sections.Length; i++)
        {
            ReadOnlySpan<byte> entry = table.AsSpan(i * SectionHeaderSize, SectionHeaderSize);
            uint nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(entry);
            sections[i] = new ElfSection(
                Index: i,
                Name: i == 0 ? "" : LookUpName(names, nameOffset, i, ref nameBudget),
                Type: BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]),
                Flags: BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]),
                Address: BinaryPrimitives.ReadUInt64LittleEndian(entry[16..]),
                Offset: BinaryPrimitives.ReadUInt64LittleEndian(entry[24..]),
                Size: BinaryPrimitives.ReadUInt64LittleEndian(entry[32..]),
                Alignment: BinaryPrimitives.ReadUInt64LittleEndian(entry[48..]),
                Link: BinaryPrimitives.ReadUInt32LittleEndian(entry[40..]),
                EntrySize: BinaryPrimitives.ReadUInt64LittleEndian(entry[56..]));
        }
        return sections;
    }

    private byte[] ReadSectionNameTable(byte[] table, uint count, uint index)
    {
        if (index == 0)
        {
            return []; // SHN_UNDEF: the file has no section names; every name reads as ""
        }
        if (index >= count)
        {
            throw Error($"section name table index {index} is outside the {count} sections");
        }
        ReadOnlySpan<byte> entry = table.AsSpan((int)index * SectionHeaderSize, SectionHeaderSize);
        if (BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]) == ElfSection.TypeNoBits)
        {
            throw Error("section name table has no file data");
        }
        ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(entry[24..]);
        ulong size = BinaryPrimitives.ReadUInt64LittleEndian(entry[32..]);
        if (size > ElfLimits.MaxSectionNameTableBytes)
        {
            throw Error($"section name table is {size} bytes, more than the limit of {ElfLimits.MaxSectionNameTableBytes}");
        }
        RequireInsideFile(offset, size, "section name table");
        byte[] names = new byte[size];
        ReadChecked(offset, names, "section name table");
        return names;
    }

    /// <summary>
    /// Decodes one section name, charged to <paramref name="budget"/>: sections may share a
    /// name (or point into the middle of one), so the table's size alone does not bound what
    /// decoding every name costs. The NUL is searched for only within the budget.
    /// </summary>
    private string LookUpName(byte[] names, uint offset, int sectionIndex, ref int budget)
    {
        if (names.Length == 0)
        {
            return "";
        }
        if (offset >= (uint)names.Length)
        {
            throw Error($"section {sectionIndex} name offset 0x{offset:x} is outside the name table ({names.Length} bytes)");
        }
        ReadOnlySpan<byte> rest = names.AsSpan((int)offset);
        int end = rest[..Math.Min(rest.Length, budget + 1)].IndexOf((byte)0);
        if (end < 0)
        {
            throw rest.Length > budget
                ? Error($"section names add up to more than the limit of {ElfLimits.MaxSectionNameBytesPerFile} bytes (at section {sectionIndex})")
                : Error($"section {sectionIndex} name is not NUL-terminated");
        }
        budget -= end;
        return Encoding.UTF8.GetString(rest[..end]);
    }

    private void RequireEntrySize(ushort actual, int expected, string field)
    {
        if (actual != expected)
        {
            throw Error($"{field} is {actual}, expected {expected} for ELF64");
        }
    }

    private uint CheckedCount(ulong value, string what) =>
        value <= ElfLimits.MaxSections ? (uint)value : throw Error($"{what} is {value}, more than the limit of {ElfLimits.MaxSections}");

    /// <summary>Reads [offset, offset + destination.Length) after checking it lies inside the file.</summary>
    private void ReadChecked(ulong offset, Span<byte> destination, string what)
    {
        RequireInsideFile(offset, (ulong)destination.Length, what);
        _source.Read((long)offset, destination);
    }

    /// <summary>
    /// Checks [offset, offset + size) against the file length without overflow. Called before
    /// a buffer for the range is allocated, so a lying header cannot make us allocate more
    /// than the file holds.
    /// </summary>
    private void RequireInsideFile(ulong offset, ulong size, string what)
    {
        ulong length = (ulong)_source.Length;
        if (offset > length || size > length - offset)
        {
            throw Error($"{what} (0x{size:x} bytes at offset 0x{offset:x}) lies outside the file (0x{length:x} bytes)");
        }
    }

}
