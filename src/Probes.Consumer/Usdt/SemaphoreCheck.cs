using Probes.Consumer.Elf;

namespace Probes.Consumer.Usdt;

/// <summary>
/// Finds the file offset of a probe's semaphore and proves the kernel may write there. The
/// perf uprobe PMU takes it as ref_ctr_offset: while the probe is attached, the kernel adds
/// one to the 16-bit counter at that offset in every process mapping the file, in a writable
/// private mapping of it. So the counter must lie in a writable, non-executable PT_LOAD, both
/// of its bytes inside the segment's memory, its file offset 2-byte aligned (the kernel's own
/// rule) and below 2^32 (ref_ctr_offset is the upper half of perf_event_attr.config), and not
/// among the file bytes an executable segment maps (a counter must never alias code).
/// </summary>
internal static class SemaphoreCheck
{
    private const ulong CounterBytes = sizeof(ushort);

    public static ulong FileOffset(IElfFile file, AddressMapper mapper, StapsdtNote note, ulong semaphore)
    {
        ElfSegment segment = mapper.FindLoadable(semaphore, s => s.IsWritable && !s.IsExecutable)
            ?? throw note.Refusal(file.Path, $"semaphore 0x{semaphore:x} lies in no writable, non-executable loadable segment");
        if (segment.MemorySize - (semaphore - segment.VirtualAddress) < CounterBytes)
        {
            throw note.Refusal(file.Path, $"semaphore 0x{semaphore:x} (2 bytes) runs past the end of its segment (0x{segment.VirtualAddress:x} + 0x{segment.MemorySize:x})");
        }
        ulong offset = AddressMapper.FileOffset(segment, semaphore)
            ?? throw note.Refusal(file.Path, $"semaphore 0x{semaphore:x} has a file offset past 2^64");
        if (offset > uint.MaxValue)
        {
            throw note.Refusal(file.Path, $"semaphore 0x{semaphore:x} has file offset 0x{offset:x}, beyond the 32 bits of perf's ref_ctr_offset");
        }
        if (offset % CounterBytes != 0)
        {
            throw note.Refusal(file.Path, $"semaphore 0x{semaphore:x} has file offset 0x{offset:x}, which is not 2-byte aligned as the kernel requires");
        }
        foreach (ElfSegment code in mapper.Segments)
        {
            if (code.IsLoadable && code.IsExecutable && code.OverlapsFileBytes(offset, CounterBytes))
            {
                throw note.Refusal(file.Path, $"semaphore 0x{semaphore:x} has file offset 0x{offset:x}, among the file bytes of an executable segment");
            }
        }
        return offset;
    }
}
