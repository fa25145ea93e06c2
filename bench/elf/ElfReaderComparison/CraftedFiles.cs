using System.Buffers.Binary;
using System.Text;

namespace ElfReaderComparison;

/// <summary>
/// Hostile files made from a well-formed ELF64 file (the shim): extra section headers that all
/// point at one large region, or a note section replaced by many notes. Each stays about 4 MiB
/// on disk and within the project's reader limits (Elf/ElfLimits), so the comparison is what
/// each reader builds from the same bytes.
/// </summary>
public static class CraftedFiles
{
    private const int SectionHeaderSize = 64;
    private const uint StringTable = 3, SymbolTable = 2;
    public const int RegionBytes = 4 * 1024 * 1024;

    /// <summary><paramref name="count"/> string-table sections, each naming the same 4 MiB region.</summary>
    public static byte[] StringTableFanOut(byte[] seed, int count) =>
        WithSections(seed, Enumerable.Repeat((byte)'a', RegionBytes).ToArray(), count, StringTable, entrySize: 0);

    /// <summary><paramref name="count"/> symbol tables, each naming the same 4 MiB region (174,762 zeroed 24-byte entries).</summary>
    public static byte[] SymbolTableFanOut(byte[] seed, int count) =>
        WithSections(seed, new byte[RegionBytes], count, SymbolTable, entrySize: 24);

    /// <summary>The shim with its <c>.note.stapsdt</c> replaced by <paramref name="count"/> copies of its first note.</summary>
    public static byte[] ManyNotes(byte[] seed, int count)
    {
        (int header, int offset, int size) = FindSection(seed, ".note.stapsdt");
        int nameSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(seed.AsSpan(offset));
        int descriptorSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(seed.AsSpan(offset + 4));
        int entry = 12 + Align(nameSize, 4) + Align(descriptorSize, 4);
        byte[] first = seed.AsSpan(offset, Math.Min(entry, size)).ToArray();
        var bytes = new List<byte>(seed);
        Pad(bytes, 8);
        int start = bytes.Count;
        for (int i = 0; i < count; i++)
        {
            bytes.AddRange(first);
        }
        byte[] result = [.. bytes];
        BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(header + 24), (ulong)start);
        BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(header + 32), (ulong)(result.Length - start));
        return result;
    }

    private static byte[] WithSections(byte[] seed, byte[] region, int count, uint type, ulong entrySize)
    {
        ulong tableOffset = BinaryPrimitives.ReadUInt64LittleEndian(seed.AsSpan(0x28));
        int sections = BinaryPrimitives.ReadUInt16LittleEndian(seed.AsSpan(0x3c));
        if (sections + count >= 0xff00)
        {
            throw new ArgumentOutOfRangeException(nameof(count), "more sections than e_shnum holds without extended numbering");
        }
        var bytes = new List<byte>(seed);
        Pad(bytes, 8);
        int regionOffset = bytes.Count;
        bytes.AddRange(region);
        Pad(bytes, 8);
        int newTable = bytes.Count;
        bytes.AddRange(seed.AsSpan((int)tableOffset, sections * SectionHeaderSize).ToArray());
        var added = new byte[SectionHeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(added.AsSpan(4), type);                      // sh_type
        BinaryPrimitives.WriteUInt64LittleEndian(added.AsSpan(24), (ulong)regionOffset);      // sh_offset
        BinaryPrimitives.WriteUInt64LittleEndian(added.AsSpan(32), (ulong)region.Length);     // sh_size
        BinaryPrimitives.WriteUInt64LittleEndian(added.AsSpan(48), 8);                        // sh_addralign
        BinaryPrimitives.WriteUInt64LittleEndian(added.AsSpan(56), entrySize);                // sh_entsize
        for (int i = 0; i < count; i++)
        {
            bytes.AddRange(added);
        }
        byte[] result = [.. bytes];
        BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(0x28), (ulong)newTable);
        BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(0x3c), (ushort)(sections + count));
        return result;
    }

    private static (int Header, int Offset, int Size) FindSection(byte[] elf, string wanted)
    {
        int table = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x28));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3c));
        int namesIndex = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3e));
        int names = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(table + (namesIndex * SectionHeaderSize) + 24));
        for (int i = 1; i < count; i++)
        {
            int header = table + (i * SectionHeaderSize);
            int nameAt = names + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(header));
            if (Encoding.ASCII.GetString(elf, nameAt, elf.AsSpan(nameAt).IndexOf((byte)0)) == wanted)
            {
                return (header, (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(header + 24)), (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(header + 32)));
            }
        }
        throw new InvalidOperationException($"no {wanted} section");
    }

    private static void Pad(List<byte> bytes, int alignment)
    {
        while (bytes.Count % alignment != 0)
        {
            bytes.Add(0);
        }
    }

    private static int Align(int value, int alignment) => (value + alignment - 1) & ~(alignment - 1);
}
