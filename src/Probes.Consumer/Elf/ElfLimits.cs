namespace Probes.Consumer.Elf;

/// <summary>
/// Upper bounds that keep a hostile or corrupt file from making the reader allocate or loop
/// without end. Real binaries stay far below them: libstdc++ has ~30 sections and 11 segments,
/// large statically linked programs a few hundred sections. Every count and size read from a
/// file is checked against these before anything is allocated.
/// </summary>
public static class ElfLimits
{
    /// <summary>Section headers read per file (the ELF format itself allows 2^32 via SHN_UNDEF escapes).</summary>
    public const int MaxSections = 16_384;

    /// <summary>Program headers read per file.</summary>
    public const int MaxSegments = 4_096;

    /// <summary>Bytes of a section-name string table (.shstrtab is a few hundred bytes in practice).</summary>
    public const int MaxSectionNameTableBytes = 4 * 1024 * 1024;

    /// <summary>Bytes of one note section loaded into memory (libc's notes are ~10 KiB).</summary>
    public const int MaxNoteSectionBytes = 16 * 1024 * 1024;

    /// <summary>Notes decoded from one section.</summary>
    public const int MaxNotesPerSection = 100_000;
}
