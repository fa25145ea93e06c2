namespace Probes.Consumer.Elf;

/// <summary>One program header: how a range of the file is mapped into memory.</summary>
public readonly record struct ElfSegment(
    uint Type,
    uint Flags,
    ulong Offset,
    ulong VirtualAddress,
    ulong FileSize,
    ulong MemorySize,
    ulong Alignment = 0)
{
    public const uint TypeLoad = 1;  // PT_LOAD
    public const uint TypeTls = 7;   // PT_TLS: the initial image of the thread-local storage block
    public const uint FlagExecute = 1; // PF_X
    public const uint FlagWrite = 2;   // PF_W

    public bool IsLoadable => Type == TypeLoad;

    public bool IsExecutable => (Flags & FlagExecute) != 0;

    public bool IsWritable => (Flags & FlagWrite) != 0;

    /// <summary>True when <paramref name="address"/> lies in [vaddr, vaddr + memsz), without overflow.</summary>
    public bool ContainsAddress(ulong address) =>
        address >= VirtualAddress && address - VirtualAddress < MemorySize;

    /// <summary>
    /// True when <paramref name="size"/> bytes from file offset <paramref name="offset"/> share a
    /// byte with [p_offset, p_offset + p_filesz), the part of the file this segment maps.
    /// </summary>
    public bool OverlapsFileBytes(ulong offset, ulong size) =>
        size != 0 && FileSize != 0 && offset < SaturatingAdd(Offset, FileSize) && Offset < SaturatingAdd(offset, size);

    private static ulong SaturatingAdd(ulong a, ulong b) => ulong.MaxValue - a < b ? ulong.MaxValue : a + b;
}
