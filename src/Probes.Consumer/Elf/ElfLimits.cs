namespace Probes.Consumer.Elf;

/// <summary>
/// Upper bounds that keep a hostile or corrupt file from making the reader allocate or loop
/// without end. Real binaries stay far below them: libstdc++ has ~30 sections and 11 segments,
/// large statically linked programs a few hundred sections. Every count and size read from a
/// file is checked against these before anything is allocated, and every violation is an
/// <see cref="ElfFormatException"/> that names the limit.
///
/// What one file can cost (the reader never holds more, whatever the file says):
/// program headers 4,096 x 56 B read + 4,096 x 48 B decoded (~0.4 MiB); section headers
/// 16,384 x 64 B read + 16,384 x 56 B decoded (~1.9 MiB); the section-name table 4 MiB plus the
/// decoded names, at most 1 MiB of name bytes = 2 MiB of UTF-16 (+ 16,384 string headers,
/// ~0.4 MiB); one note section 4 MiB plus its decoded entries, at most 100,000 x ~64 B and
/// owner names adding up to at most the section's 4 MiB = 8 MiB of UTF-16 (+ ~2.4 MiB of
/// headers). Together about 29 MiB, freed when the file is closed; Usdt/UsdtLimits adds what
/// the probes kept from it.
/// </summary>
public static class ElfLimits
{
    /// <summary>Section headers read per file (the ELF format itself allows 2^32 via SHN_UNDEF escapes).</summary>
    public const int MaxSections = 16_384;

    /// <summary>Program headers read per file.</summary>
    public const int MaxSegments = 4_096;

    /// <summary>Bytes of a section-name string table (.shstrtab is a few hundred bytes in practice).</summary>
    public const int MaxSectionNameTableBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Bytes of section names decoded per file, all names together (real files: a few hundred).
    /// Without it, 16,384 sections naming one 4 MiB string without an early NUL would decode
    /// 16,384 copies of it (128 GiB of strings, 64 GB scanned for the NUL).
    /// </summary>
    public const int MaxSectionNameBytesPerFile = 1024 * 1024;

    /// <summary>
    /// Bytes of one note section loaded into memory. libc's notes are ~10 KiB, and a
    /// .note.stapsdt entry is ~100 bytes, so even 10,000 probes stay under 1 MiB.
    /// </summary>
    public const int MaxNoteSectionBytes = 4 * 1024 * 1024;

    /// <summary>Notes decoded from one section (at least 12 bytes each, so the byte limit alone would allow ~350,000).</summary>
    public const int MaxNotesPerSection = 100_000;

    /// <summary>Bytes of one note's owner name ("stapsdt", "GNU", "FDO": a few bytes; the gABI sets no limit).</summary>
    public const int MaxNoteOwnerBytes = 256;
}
