namespace Probes.Consumer.Elf;

/// <summary>
/// Upper bounds that keep a hostile or corrupt file from making the reader allocate or loop
/// without end. Real binaries stay far below them: libstdc++ has ~30 sections and 11 segments,
/// large statically linked programs a few hundred sections. Every count and size read from a
/// file is checked against these before anything is allocated, and every violation is an
/// <see cref="ElfFormatException"/> that names the limit.
///
/// What one file can cost here, whatever it claims: program headers 4,096 x 56 B read and
/// decoded again (~0.4 MiB); section headers 16,384 x 64 B read and decoded again (~2 MiB);
/// the section-name table (4 MiB) and at most 1 MiB of decoded names (2 MiB of UTF-16, plus
/// 16,384 string headers); one note section (4 MiB) and its entries, at most 100,000 objects
/// of ~60 B whose owner names come out of those same 4 MiB (~8 MiB of UTF-16 at worst).
/// About 25 MiB in all, most of it garbage once the tables are decoded; Usdt/UsdtLimits
/// states what reading the probes adds and tests the sum. Looking symbols up (only for probe
/// operands that name one) adds one symbol name table (16 MiB at most) and a 48 KiB chunk of
/// entries, garbage once the lookup returns.
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

    /// <summary>
    /// Entries of one symbol table searched (.symtab or .dynsym). They are streamed in chunks, so
    /// this bounds time, not memory: libjvm.so has 70,000, a large unstripped C++ program a
    /// million or two. A table over the limit is skipped, and the lookup says so.
    /// </summary>
    public const int MaxSymbolsPerTable = 4 * 1024 * 1024;

    /// <summary>
    /// Bytes of a symbol table's string table, the one part of a symbol table held in memory
    /// whole (libjvm.so's .strtab is 3.3 MB, python3.11's .dynstr 40 KB). A larger one is skipped.
    /// </summary>
    public const int MaxSymbolNameTableBytes = 16 * 1024 * 1024;

    /// <summary>Definitions of one name kept (a static variable may be defined in several translation units; more than a few is no answer either).</summary>
    public const int MaxDefinitionsPerSymbol = 16;
}
