namespace Probes.Consumer.Elf;

/// <summary>One section header, with its name resolved from the section-name string table; <see cref="Link"/> is sh_link (a symbol table's string table).</summary>
public readonly record struct ElfSection(
    int Index,
    string Name,
    uint Type,
    ulong Flags,
    ulong Address,
    ulong Offset,
    ulong Size,
    ulong Alignment,
    uint Link = 0,
    ulong EntrySize = 0)
{
    public const uint TypeSymbolTable = 2;        // SHT_SYMTAB: the link editor's full table (.symtab)
    public const uint TypeStringTable = 3;        // SHT_STRTAB
    public const uint TypeNote = 7;               // SHT_NOTE
    public const uint TypeDynamicSymbolTable = 11; // SHT_DYNSYM: the exported subset (.dynsym)
    public const uint TypeNoBits = 8; // SHT_NOBITS: occupies memory, not file bytes (.bss)

    public bool HasFileData => Type != TypeNoBits;
}
