using System.Buffers.Binary;
using System.Text;
using Probes.Consumer.Elf;

namespace Probes.Consumer.Usdt;

/// <summary>
/// The raw content of one stapsdt note (owner "stapsdt", type 3): three addresses, then
/// provider, name and argument spec as NUL-terminated strings (systemtap's sdt.h layout).
/// </summary>
internal readonly record struct StapsdtNote(ulong Pc, ulong Base, ulong Semaphore, string Provider, string Name, string Arguments)
{
    public const string Owner = "stapsdt";
    public const uint Type = 3; // NT_STAPSDT
    private const int AddressBytes = 3 * sizeof(ulong);

    public static StapsdtNote Decode(ElfNote note, string path)
    {
        ReadOnlySpan<byte> descriptor = note.Descriptor.Span;
        if (descriptor.Length < AddressBytes)
        {
            throw new UsdtNoteException($"{path}: stapsdt note of {descriptor.Length} bytes is too short for its three addresses");
        }
        ReadOnlySpan<byte> strings = descriptor[AddressBytes..];
        string provider = TakeString(ref strings, "provider", path);
        string name = TakeString(ref strings, "name", path);
        string arguments = TakeString(ref strings, "argument spec", path);
        return new StapsdtNote(
            BinaryPrimitives.ReadUInt64LittleEndian(descriptor),
            BinaryPrimitives.ReadUInt64LittleEndian(descriptor[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(descriptor[16..]),
            provider,
            name,
            arguments);
    }

    private static string TakeString(ref ReadOnlySpan<byte> rest, string what, string path)
    {
        int nul = rest.IndexOf((byte)0);
        if (nul < 0)
        {
            throw new UsdtNoteException($"{path}: stapsdt note {what} is not NUL-terminated");
        }
        string value = Encoding.UTF8.GetString(rest[..nul]);
        rest = rest[(nul + 1)..];
        return value;
    }
}
