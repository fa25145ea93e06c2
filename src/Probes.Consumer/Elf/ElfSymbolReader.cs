using System.Buffers.Binary;
using System.Text;

namespace Probes.Consumer.Elf;

/// <summary>
/// Looks names up in the file's symbol tables, <c>.symtab</c> first (it also holds local and
/// hidden symbols, which is what a probe operand such as <c>counter(%rip)</c> names), then
/// <c>.dynsym</c> for the names still missing (a stripped file keeps only that one); one
/// table of each type, the first, as the gABI allows no more.
///
/// A symbol table is the file's to say, so it is read under the same rules as the rest of the
/// reader: each table's layout is checked (24-byte entries, a whole number of them, a string
/// table that is one) and its size against <see cref="ElfLimits"/> and the file before anything
/// is allocated; entries are streamed in fixed-size chunks, never allocated by their claimed
/// count; only the name table is held whole, and only when it is under
/// <see cref="ElfLimits.MaxSymbolNameTableBytes"/> (a larger one is skipped and said so, as a
/// table with too many entries is). Names are compared in place, and only as far as the
/// longest wanted name, so a name table without NULs costs no more than one with them.
/// A damaged table is an <see cref="ElfFormatException"/> naming the table and the field.
/// </summary>
internal sealed class ElfSymbolReader(ElfFile file)
{
    private const int EntrySize = 24;
    private const int ChunkEntries = 2048;

    public ElfSymbolSearch Find(IReadOnlyCollection<string> names)
    {
        var definitions = new Dictionary<string, List<ElfSymbol>>(StringComparer.Ordinal);
        var skipped = new List<string>();
        var read = new List<string>();
        var wanted = new HashSet<string>(names.Where(n => n.Length > 0), StringComparer.Ordinal);
        // The gABI allows one table of each type; only the first is read, so a file cannot make
        // us read its name tables once per section header.
        foreach (uint type in (uint[])[ElfSection.TypeSymbolTable, ElfSection.TypeDynamicSymbolTable])
        {
            if (wanted.Count == 0 || file.Sections.FirstOrDefault(s => s.Type == type) is not { Type: not 0 } table)
            {
                continue;
            }
            if (SkipReason(table) is { } reason)
            {
                skipped.Add($"{table.Name}: {reason}");
                continue;
            }
            Dictionary<string, List<ElfSymbol>> found = Search(table, wanted);
            read.Add(table.Name);
            foreach ((string name, List<ElfSymbol> symbols) in found)
            {
                definitions[name] = symbols;
                wanted.Remove(name);
            }
        }
        return new ElfSymbolSearch(
            definitions.ToDictionary(e => e.Key, e => (IReadOnlyList<ElfSymbol>)e.Value, StringComparer.Ordinal),
            skipped,
            read);
    }

    /// <summary>Why a well-formed but oversized table is not read, or null to read it; a malformed one throws.</summary>
    private string? SkipReason(ElfSection table)
    {
        if (table.EntrySize != EntrySize)
        {
            throw file.Error($"symbol table {table.Name} has entries of {table.EntrySize} bytes, expected {EntrySize} for ELF64");
        }
        if (table.Size % EntrySize != 0)
        {
            throw file.Error($"symbol table {table.Name} is {table.Size} bytes, not a whole number of {EntrySize}-byte entries");
        }
        if (!table.HasFileData)
        {
            throw file.Error($"symbol table {table.Name} has no file data");
        }
        if (table.Link == 0 || table.Link >= file.Sections.Count || file.Sections[(int)table.Link].Type != ElfSection.TypeStringTable)
        {
            throw file.Error($"symbol table {table.Name} links to section {table.Link}, which is not a string table");
        }
        ElfSection names = file.Sections[(int)table.Link];
        if (!names.HasFileData)
        {
            throw file.Error($"string table {names.Name} of {table.Name} has no file data");
        }
        if (table.Size / EntrySize > ElfLimits.MaxSymbolsPerTable)
        {
            return $"{table.Size / EntrySize} symbols, more than the limit of {ElfLimits.MaxSymbolsPerTable}";
        }
        if (names.Size > ElfLimits.MaxSymbolNameTableBytes)
        {
            return $"its names ({names.Name}) take {names.Size} bytes, more than the limit of {ElfLimits.MaxSymbolNameTableBytes}";
        }
        return null;
    }

    private Dictionary<string, List<ElfSymbol>> Search(ElfSection table, HashSet<string> wanted)
    {
        byte[] names = file.ReadSection(file.Sections[(int)table.Link]);
        int longest = wanted.Max(n => n.Length);
        var byLength = new bool[longest + 1];
        var lookup = new Dictionary<string, List<ElfSymbol>>(StringComparer.Ordinal);
        foreach (string name in wanted)
        {
            byLength[name.Length] = true;
        }
        var wantedLookup = wanted.GetAlternateLookup<ReadOnlySpan<char>>();
        char[] decoded = new char[longest];
        byte[] chunk = new byte[ChunkEntries * EntrySize];

        ulong count = table.Size / EntrySize;
        for (ulong first = 0; first < count; first += ChunkEntries)
        {
            int entries = (int)Math.Min(ChunkEntries, count - first);
            Span<byte> bytes = chunk.AsSpan(0, entries * EntrySize);
            file.ReadSectionPart(table, first * EntrySize, bytes);
            for (int i = 0; i < entries; i++)
            {
                ReadOnlySpan<byte> entry = bytes.Slice(i * EntrySize, EntrySize);
                uint nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(entry);
                byte info = entry[4];
                ushort section = BinaryPrimitives.ReadUInt16LittleEndian(entry[6..]);
                byte type = (byte)(info & 0xf);
                if (section == ElfSymbol.SectionUndefined || type is ElfSymbol.TypeSection or ElfSymbol.TypeFile || nameOffset >= (uint)names.Length)
                {
                    continue;
                }
                ReadOnlySpan<byte> rest = names.AsSpan((int)nameOffset);
                int length = rest[..Math.Min(rest.Length, longest + 1)].IndexOf((byte)0);
                if (length <= 0 || !byLength[length] || !Ascii.IsValid(rest[..length]))
                {
                    continue;
                }
                Span<char> name = decoded.AsSpan(0, length);
                Encoding.ASCII.GetChars(rest[..length], name);
                if (!wantedLookup.TryGetValue(name, out string? wantedName))
                {
                    continue;
                }
                if (!lookup.TryGetValue(wantedName, out List<ElfSymbol>? symbols))
                {
                    lookup[wantedName] = symbols = [];
                }
                if (symbols.Count < ElfLimits.MaxDefinitionsPerSymbol)
                {
                    symbols.Add(new ElfSymbol(
                        wantedName,
                        BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]),
                        BinaryPrimitives.ReadUInt64LittleEndian(entry[16..]),
                        type,
                        (byte)(info >> 4),
                        section,
                        table.Name));
                }
            }
        }
        return lookup;
    }
}
