using System.Buffers.Binary;
using System.Text;

namespace Probes.Consumer.Elf;

/// <summary>
/// Decodes the entries of a note section: each is namesz, descsz, type (u32 each), then the
/// owner name and the descriptor, each padded to the section's note alignment.
/// </summary>
internal static class ElfNoteParser
{
    private const int EntryHeaderSize = 12;

    public static List<ElfNote> Parse(ReadOnlyMemory<byte> data, int alignment, string where)
    {
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

            // 64-bit arithmetic: two u32 sizes plus padding cannot overflow a long.
            long nameStart = position + EntryHeaderSize;
            long descriptorStart = nameStart + AlignUp(nameSize, alignment);
            long next = descriptorStart + AlignUp(descriptorSize, alignment);
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

    private static long AlignUp(uint value, int alignment) => ((long)value + alignment - 1) & ~(long)(alignment - 1);
}
