using System.Buffers.Binary;
using System.Text;

namespace Probes.Consumer.Bpf.Ring;

/// <summary>
/// A zero-copy view of one record laid out by <see cref="UsdtRecordLayout"/>; valid only
/// while the ring buffer callback runs. <see cref="ToEvent"/> copies it out.
/// </summary>
public readonly ref struct UsdtRecord
{
    private readonly ReadOnlySpan<byte> _bytes;

    public UsdtRecord(ReadOnlySpan<byte> bytes, UsdtRecordLayout layout)
    {
        if (bytes.Length < layout.Size)
        {
            throw new BpfException($"record of {bytes.Length} bytes is shorter than the {layout.Size} its probe's layout needs");
        }
        _bytes = bytes;
        Layout = layout;
    }

    public UsdtRecordLayout Layout { get; }

    /// <summary>Reads the probe id of a raw record, to find its layout before decoding.</summary>
    public static uint PeekProbeId(ReadOnlySpan<byte> bytes) =>
        bytes.Length < UsdtRecordLayout.ArgumentsOffset
            ? throw new BpfException($"record of {bytes.Length} bytes is shorter than the {UsdtRecordLayout.ArgumentsOffset}-byte header")
            : BinaryPrimitives.ReadUInt32LittleEndian(bytes[UsdtRecordLayout.ProbeIdOffset..]);

    /// <summary>CLOCK_MONOTONIC nanoseconds from bpf_ktime_get_ns.</summary>
    public ulong TimestampNanoseconds => BinaryPrimitives.ReadUInt64LittleEndian(_bytes[UsdtRecordLayout.TimestampOffset..]);

    public int Pid => BinaryPrimitives.ReadInt32LittleEndian(_bytes[UsdtRecordLayout.PidOffset..]);

    public int Tid => BinaryPrimitives.ReadInt32LittleEndian(_bytes[UsdtRecordLayout.TidOffset..]);

    public uint ProbeId => BinaryPrimitives.ReadUInt32LittleEndian(_bytes[UsdtRecordLayout.ProbeIdOffset..]);

    public bool HasNamespaces => (_bytes[UsdtRecordLayout.FlagsOffset] & UsdtRecordLayout.FlagNamespaces) != 0;

    public uint PidNamespaceInode => BinaryPrimitives.ReadUInt32LittleEndian(_bytes[UsdtRecordLayout.PidNamespaceOffset..]);

    public uint MountNamespaceInode => BinaryPrimitives.ReadUInt32LittleEndian(_bytes[UsdtRecordLayout.MountNamespaceOffset..]);

    public int NamespacePid => BinaryPrimitives.ReadInt32LittleEndian(_bytes[UsdtRecordLayout.NamespacePidOffset..]);

    public int NamespaceTid => BinaryPrimitives.ReadInt32LittleEndian(_bytes[UsdtRecordLayout.NamespaceTidOffset..]);

    public ReadOnlySpan<byte> CommBytes => UntilNul(_bytes.Slice(UsdtRecordLayout.CommOffset, UsdtRecordLayout.CommLength));

    public string Comm => Encoding.UTF8.GetString(CommBytes);

    public int ArgumentCount => Layout.ArgumentCount;

    public ulong Argument(int index)
    {
        if ((uint)index >= (uint)Layout.ArgumentCount)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"the probe has {Layout.ArgumentCount} arguments");
        }
        return BinaryPrimitives.ReadUInt64LittleEndian(_bytes[UsdtRecordLayout.ArgumentOffset(index)..]);
    }

    /// <summary>The string read for argument <paramref name="index"/> (without the NUL); empty when unreadable.</summary>
    public ReadOnlySpan<byte> StringBytes(int index)
    {
        int offset = Layout.StringOffset(index);
        if (offset < 0)
        {
            throw new ArgumentException($"argument {index} was not read as a string", nameof(index));
        }
        return UntilNul(_bytes.Slice(offset, Layout.StringLength));
    }

    public bool IsString(int index) => Layout.StringOffset(index) >= 0;

    public UsdtEvent ToEvent()
    {
        var arguments = new ulong[ArgumentCount];
        var strings = new string?[ArgumentCount];
        for (int i = 0; i < arguments.Length; i++)
        {
            arguments[i] = Argument(i);
            if (IsString(i))
            {
                strings[i] = Encoding.UTF8.GetString(StringBytes(i));
            }
        }
        return new UsdtEvent(
            TimestampNanoseconds, Pid, Tid, HasNamespaces ? NamespacePid : null, HasNamespaces ? NamespaceTid : null,
            HasNamespaces ? PidNamespaceInode : null, HasNamespaces ? MountNamespaceInode : null,
            Comm, ProbeId, arguments, strings);
    }

    private static ReadOnlySpan<byte> UntilNul(ReadOnlySpan<byte> bytes)
    {
        int end = bytes.IndexOf((byte)0);
        return end < 0 ? bytes : bytes[..end];
    }
}
