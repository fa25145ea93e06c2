using System.Buffers.Binary;
using System.Text;

namespace Probes.Consumer.Elf;

/// <summary>
/// Decodes the entries of a note section: each is namesz, descsz, type (u32 each), then the
/// owner name and the descriptor. The descriptor starts at the first multiple of the
/// section's note alignment after the name, and the next entry after the descriptor, both
/// counted from the start of the section (gABI; readelf's ELF_NOTE_DESC_OFFSET). With 4-byte
/// alignment that equals padding the name to 4; with 8 (<c>.note.gnu.property</c>) it does
/// not: "GNU\0" ends at entry offset 16, where its descriptor starts, not at 12 + 8.
/// </summary>
internal static class ElfNoteParser
{
    private const int EntryHeaderSize = 12;

    /// <summary>Parses <paramref name="data"/>, a whole note section whose entries are aligned to <paramref name="alignment"/> (4 or 8).</summary>
    public static List<ElfNote> Parse(ReadOnlyMemory<byte> data, int alignment, string where)
    {
        if (alignment is not (4 or 8))
        {
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "note entries are 4- or 8-byte aligned");
        }
        var notes = new List<ElfNote>();
        int position = 0;
        while (position < data.Length)
        {
            if (notes.Count >= ElfLimits.MaxNotesPerSection)
            {
                throw new ElfFormatException($"{where}: more than {ElfLimits.MaxNotesPerSection} notes");
            }
            ReadOnlySpan<byte> rest = data.Span[position..];
            if (rest.Length < EntryHeaderSize)
            {
                throw new ElfFormatException($"{where}: truncated note header at offset 0x{position:x}");
            }
            uint nameSize = BinaryPrimitives.ReadUInt32LittleEndian(rest);
            uint descriptorSize = BinaryPrimitives.ReadUInt32LittleEndian(rest[4..]);
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(rest[8..]);

            // 64-bit arithmetic: a position below 2^31 plus two u32 sizes plus padding cannot overflow a long.
            long nameStart = position + EntryHeaderSize;
            long descriptorStart = AlignUp(nameStart + nameSize, alignment);
            long next = AlignUp(descriptorStart + descriptorSize, alignment);
            if (descriptorStart + descriptorSize > data.Length)
            {
                throw new ElfFormatException($"{where}: note at offset 0x{position:x} (name {nameSize} bytes, descriptor {descriptorSize} bytes) runs past the section end");
            }

            if (nameSize > ElfLimits.MaxNoteOwnerBytes)
            {
                throw new ElfFormatException($"{where}: note at offset 0x{position:x} has an owner name of {nameSize} bytes, more than the limit of {ElfLimits.MaxNoteOwnerBytes}");
            }
            ReadOnlySpan<byte> name = data.Span.Slice((int)nameStart, (int)nameSize);
            int nul = name.IndexOf((byte)0);
            string owner = Encoding.UTF8.GetString(nul >= 0 ? name[..nul] : name);
            notes.Add(new ElfNote(owner, type, data.Slice((int)descriptorStart, (int)descriptorSize), position));

            // The final entry's padding may be missing from the section; that is harmless.
            position = (int)Math.Min(next, data.Length);
        }
        return notes;
    }

    private static long AlignUp(long value, int alignment) => (value + alignment - 1) & ~(long)(alignment - 1);
}
