using Probes.Consumer.Elf;

namespace Probes.Consumer.Usdt;

/// <summary>
/// Turns link-time addresses into file offsets through the loadable segment that contains
/// them: offset = address - p_vaddr + p_offset. This is the same for PIE and non-PIE
/// executables and for shared libraries, because it uses only the file's own view of its
/// layout; the load bias of a running process never enters (uprobes are placed by inode and
/// offset). A probe site must lie in an executable segment and a semaphore in a
/// non-executable one (the kernel writes the reference counter there), as libbpf insists.
/// </summary>
internal sealed class AddressMapper(IReadOnlyList<ElfSegment> segments)
{
    public ulong? ProbeSiteOffset(ulong address) => Map(address, executable: true);

    public ulong? SemaphoreOffset(ulong address) => Map(address, executable: false);

    private ulong? Map(ulong address, bool executable)
    {
        foreach (ElfSegment segment in segments)
        {
            if (segment.IsLoadable && segment.IsExecutable == executable && segment.ContainsAddress(address))
            {
                ulong offset = address - segment.VirtualAddress;
                // A semaphore in .bss lies past p_filesz; its offset is still what the kernel wants,
                // but it must not wrap around.
                return ulong.MaxValue - segment.Offset >= offset ? segment.Offset + offset : null;
            }
        }
        return null;
    }
}
