using System.Globalization;

namespace Probes.Consumer.Bpf.Uprobes;

/// <summary>The perf <c>uprobe</c> PMU's dynamic type number, read once from sysfs.</summary>
public static class UprobePmu
{
    public const string TypePath = "/sys/bus/event_source/devices/uprobe/type";

    /// <summary>Bit position of ref_ctr_offset in perf_event_attr.config (format file: config:32-63).</summary>
    public const int RefCtrOffsetShift = 32;

    private static readonly Lazy<uint> Cached = new(ReadType);

    public static uint Type => Cached.Value;

    private static uint ReadType()
    {
        try
        {
            return uint.Parse(File.ReadAllText(TypePath).Trim(), CultureInfo.InvariantCulture);
        }
        catch (IOException e)
        {
            throw new BpfNotSupportedException($"the perf uprobe PMU ({TypePath})", "4.17", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new BpfNotSupportedException($"the perf uprobe PMU ({TypePath})", "4.17", e);
        }
    }

    /// <summary>
    /// perf_event_attr.config for a uprobe: retprobe in bit 0, the semaphore's file offset in bits 32-63.
    /// A semaphore whose offset does not fit is refused when its note is read (Usdt's
    /// SemaphoreCheck, a UsdtNoteException naming the probe), so the exception here only guards
    /// against a caller that built a target by hand.
    /// </summary>
    public static ulong Config(ulong? semaphoreFileOffset, bool returnProbe)
    {
        ulong refCtr = semaphoreFileOffset ?? 0;
        if (refCtr > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(semaphoreFileOffset), refCtr, "ref_ctr_offset must fit in 32 bits");
        }
        return (refCtr << RefCtrOffsetShift) | (returnProbe ? 1UL : 0UL);
    }
}
