namespace Probes.Consumer.Elf;

/// <summary>
/// One defined symbol (st_shndx is not SHN_UNDEF) of a symbol table: its value (an address, or
/// for a thread-local symbol the offset in the TLS block), size, type, binding and section.
/// </summary>
/// <param name="Name">The symbol's name.</param>
/// <param name="Value">st_value.</param>
/// <param name="Size">st_size.</param>
/// <param name="Type">STT_*: the low 4 bits of st_info.</param>
/// <param name="Binding">STB_*: the high 4 bits of st_info.</param>
/// <param name="SectionIndex">st_shndx: the section it is defined in, or a reserved index such as <see cref="SectionAbsolute"/>.</param>
/// <param name="Table">The section it was found in, ".symtab" or ".dynsym".</param>
public readonly record struct ElfSymbol(string Name, ulong Value, ulong Size, byte Type, byte Binding, ushort SectionIndex, string Table)
{
    public const byte TypeNone = 0;      // STT_NOTYPE
    public const byte TypeObject = 1;    // STT_OBJECT
    public const byte TypeFunction = 2;  // STT_FUNC
    public const byte TypeSection = 3;   // STT_SECTION
    public const byte TypeFile = 4;      // STT_FILE
    public const byte TypeTls = 6;       // STT_TLS: Value is an offset in the module's TLS block
    public const byte BindingLocal = 0;  // STB_LOCAL
    public const ushort SectionUndefined = 0;       // SHN_UNDEF
    public const ushort SectionAbsolute = 0xfff1;   // SHN_ABS: Value is not relocated
    public const ushort SectionCommon = 0xfff2;     // SHN_COMMON

    public bool IsThreadLocal => Type == TypeTls;

    public bool IsAbsolute => SectionIndex == SectionAbsolute;
}

/// <summary>
/// What <see cref="IElfFile.FindSymbols"/> found: for each name, its definitions in the first
/// table that has any (.symtab, then .dynsym), at most <see cref="ElfLimits.MaxDefinitionsPerSymbol"/>;
/// names defined nowhere are absent. <see cref="SkippedTables"/> says which tables were left
/// unread and why (a name table over the limit), so a caller can explain a name not found.
/// </summary>
public sealed record ElfSymbolSearch(IReadOnlyDictionary<string, IReadOnlyList<ElfSymbol>> Definitions, IReadOnlyList<string> SkippedTables, IReadOnlyList<string> TablesRead);
