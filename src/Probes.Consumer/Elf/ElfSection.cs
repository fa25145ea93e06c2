namespace Probes.Consumer.Elf;

/// <summary>One section header, with its name resolved from the section-name string table.</summary>
public readonly record struct ElfSection(
    int Index,
    string Name,
    uint Type,
    ulong Flags,
    ulong Address,
    ulong Offset,
    ulong Size,
    ulong Alignment)
{
    public const uint TypeNote = 7;   // SHT_NOTE
    public const uint TypeNoBits = 8; // SHT_NOBITS: occupies memory, not file bytes (.bss)

    public bool HasFileData => Type != TypeNoBits;
}
