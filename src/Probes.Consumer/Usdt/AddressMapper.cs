using Probes.Consumer.Elf;

namespace Probes.Consumer.Usdt;

/// <summary>
/// Turns link-time addresses into file offsets through the loadable segment that contains
/// them: offset = address - p_vaddr + p_offset. This is the same for PIE and non-PIE
/// executables and for shared libraries, because it uses only the file's own view of its
/// layout; the load bias of a running process never enters (uprobes are placed by inode and
/// offset). Which segment may hold a site or a semaphore is for the callers to say
/// (<see cref="ProbeSiteCheck"/>, <see cref="SemaphoreCheck"/>).
/// </summary>
internal sealed class AddressMapper(IReadOnlyList<ElfSegment> segments)
{
    public IReadOnlyList<ElfSegment> Segments => segments;

    /// <summary>The first loadable segment whose memory image holds <paramref name="address"/> and that <paramref name="fits"/>.</summary>
    public ElfSegment? FindLoadable(ulong address, Func<ElfSegment, bool> fits)
    {
        foreach (ElfSegment segment in segments)
        {
            if (segment.IsLoadable && segment.ContainsAddress(address) && fits(segment))
            {
                return segment;
            }
        }
        return null;
    }

    /// <summary>The file offset of <paramref name="address"/> in <paramref name="segment"/>, or null when p_offset plus the distance wraps.</summary>
    public static ulong? FileOffset(ElfSegment segment, ulong address)
    {
        ulong distance = address - segment.VirtualAddress;
        return ulong.MaxValue - segment.Offset >= distance ? segment.Offset + distance : null;
    }
}
