namespace Probes.Consumer.Elf;

/// <summary>
/// The narrow view of an ELF file that the rest of the consumer relies on. Everything above
/// <c>Elf/</c> talks to this interface only, so another reader could replace ours by touching
/// this folder alone (ELFSharp was measured and not taken: DESIGN.md, "ELF reader").
/// </summary>
public interface IElfFile : IDisposable
{
    /// <summary>The path used in messages (the file as the user or the process names it).</summary>
    string Path { get; }

    ElfFileType FileType { get; }

    /// <summary>The instruction set (e_machine), which says what a probe site's nop looks like.</summary>
    ElfMachine Machine { get; }

    /// <summary>The file's size in bytes.</summary>
    ulong Length { get; }

    IReadOnlyList<ElfSection> Sections { get; }

    IReadOnlyList<ElfSegment> Segments { get; }

    /// <summary>The first section with this exact name, or null.</summary>
    ElfSection? FindSection(string name);

    /// <summary>Decodes every note in a note section; throws <see cref="ElfFormatException"/> on malformed data.</summary>
    IReadOnlyList<ElfNote> ReadNotes(ElfSection section);

    /// <summary>
    /// Reads the file bytes at <paramref name="offset"/> into <paramref name="destination"/>
    /// (e.g. the instruction at a probe site). The range is checked against the file first
    /// (<see cref="ElfFormatException"/> otherwise); the caller's buffer bounds what is read.
    /// </summary>
    void ReadBytes(ulong offset, Span<byte> destination);

    /// <summary>
    /// The definitions of <paramref name="names"/> in the file's symbol tables (.symtab first,
    /// then .dynsym for the names still missing); throws <see cref="ElfFormatException"/> when a
    /// table is malformed.
    /// </summary>
    ElfSymbolSearch FindSymbols(IReadOnlyCollection<string> names);
}
