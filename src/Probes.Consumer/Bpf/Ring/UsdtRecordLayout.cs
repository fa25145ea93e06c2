namespace Probes.Consumer.Bpf.Ring;

/// <summary>
/// The one definition of a USDT event record in the ring buffer, shared by the program
/// generator (which writes it) and <see cref="UsdtRecord"/> (which reads it). All little endian.
/// <code>
///   0  u64  bpf_ktime_get_ns()                 (CLOCK_MONOTONIC)
///   8  u32  host tid                           (low half of bpf_get_current_pid_tgid)
///  12  u32  host pid (tgid)                    (high half)
///  16  u32  probe id                           (chosen by the caller per probe)
///  20  u8   argument count
///  21  u8   flags                              (bit 0: namespace fields were read)
///  22  u16  string slot length
///  24  u32  pid namespace inode                (the task's active pid namespace)
///  28  u32  mount namespace inode
///  32  u32  tid in the task's pid namespace
///  36  u32  pid in the task's pid namespace
///  40  char comm[16]
///  56  u64  args[argument count]               (sign/zero extended; a string argument keeps its pointer)
///  ..  char strings[string count][slot length] (NUL-terminated, zero-filled when unreadable)
/// </code>
/// The record's size is fixed per probe, so bpf_ringbuf_reserve gets a constant.
/// </summary>
public sealed class UsdtRecordLayout
{
    public const int TimestampOffset = 0;
    public const int TidOffset = 8;
    public const int PidOffset = 12;
    public const int ProbeIdOffset = 16;
    public const int ArgumentCountOffset = 20;
    public const int FlagsOffset = 21;
    public const int StringLengthOffset = 22;
    public const int PidNamespaceOffset = 24;
    public const int MountNamespaceOffset = 28;
    public const int NamespaceTidOffset = 32;
    public const int NamespacePidOffset = 36;
    public const int CommOffset = 40;
    public const int CommLength = 16;
    public const int ArgumentsOffset = 56;

    /// <summary>Flag bit: the namespace fields hold values read from the task.</summary>
    public const byte FlagNamespaces = 1;

    /// <summary>USDT (sys/sdt.h) allows at most 12 arguments.</summary>
    public const int MaxArguments = 12;

    public UsdtRecordLayout(int argumentCount, IReadOnlyCollection<int> stringArguments, int stringLength)
    {
        if (argumentCount is < 0 or > MaxArguments)
        {
            throw new ArgumentOutOfRangeException(nameof(argumentCount), argumentCount, $"a USDT probe has 0 to {MaxArguments} arguments");
        }
        if (stringArguments.Count > 0 && stringLength is < 2 or > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(stringLength), stringLength, "string length must be 2 to 4096 bytes");
        }
        int[] sorted = stringArguments.Distinct().Order().ToArray();
        foreach (int index in sorted)
        {
            if (index < 0 || index >= argumentCount)
            {
                throw new ArgumentOutOfRangeException(nameof(stringArguments), index, $"string argument {index} does not exist (the probe has {argumentCount} arguments)");
            }
        }
        ArgumentCount = argumentCount;
        StringArguments = sorted;
        StringLength = sorted.Length == 0 ? 0 : stringLength;
        Size = Align8(ArgumentsOffset + 8 * argumentCount + StringLength * sorted.Length);
    }

    public int ArgumentCount { get; }

    /// <summary>Argument indexes read as strings, ascending; slot k holds argument StringArguments[k].</summary>
    public IReadOnlyList<int> StringArguments { get; }

    /// <summary>Bytes per string slot, including the NUL.</summary>
    public int StringLength { get; }

    /// <summary>Record size in bytes (8-aligned).</summary>
    public int Size { get; }

    public static int ArgumentOffset(int index) => ArgumentsOffset + 8 * index;

    public int StringsOffset => ArgumentsOffset + 8 * ArgumentCount;

    /// <summary>Offset of the string slot for argument <paramref name="argumentIndex"/>, or -1 when it is not a string.</summary>
    public int StringOffset(int argumentIndex)
    {
        for (int slot = 0; slot < StringArguments.Count; slot++)
        {
            if (StringArguments[slot] == argumentIndex)
            {
                return StringsOffset + slot * StringLength;
            }
        }
        return -1;
    }

    private static int Align8(int value) => (value + 7) & ~7;
}
