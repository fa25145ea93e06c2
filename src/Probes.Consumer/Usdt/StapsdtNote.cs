using System.Buffers.Binary;
using System.Text;
using Probes.Consumer.Elf;

namespace Probes.Consumer.Usdt;

/// <summary>
/// The raw content of one stapsdt note (owner "stapsdt", type 3): three addresses, then
/// provider, name and argument spec as NUL-terminated strings (systemtap's sdt.h layout).
/// Decoding looks at the note's descriptor only: a string whose NUL lies in the padding or in
/// the next note is unterminated here. The strings must be printable ASCII (sdt.h writes C
/// identifiers and AT&amp;T operands), so nothing a note holds can forge lines or terminal
/// escapes in our output, and each is capped by <see cref="UsdtLimits"/>.
/// </summary>
internal readonly record struct StapsdtNote(ulong Pc, ulong Base, ulong Semaphore, string Provider, string Name, string Arguments)
{
    public const string Owner = "stapsdt";
    public const uint Type = 3; // NT_STAPSDT
    private const int AddressBytes = 3 * sizeof(ulong);

    public override string ToString() => $"{Provider}:{Name}";

    /// <summary>The one form of every refusal of a probe: file, probe, what is wrong, and that we will not attach.</summary>
    public UsdtNoteException Refusal(string path, string problem) => new($"{path}: probe {this}: {problem}; refusing to attach there");

    public static StapsdtNote Decode(ElfNote note, string path)
    {
        ReadOnlySpan<byte> descriptor = note.Descriptor.Span;
        if (descriptor.Length < AddressBytes)
        {
            throw new UsdtNoteException($"{Where(path, note)}: descriptor of {descriptor.Length} bytes is too short for its three addresses");
        }
        ReadOnlySpan<byte> strings = descriptor[AddressBytes..];
        string provider = TakeString(ref strings, "provider", UsdtLimits.MaxNameBytes, spaces: false, path, note);
        string name = TakeString(ref strings, "name", UsdtLimits.MaxNameBytes, spaces: false, path, note);
        string arguments = TakeString(ref strings, "argument spec", UsdtLimits.MaxArgumentSpecBytes, spaces: true, path, note);
        return new StapsdtNote(
            BinaryPrimitives.ReadUInt64LittleEndian(descriptor),
            BinaryPrimitives.ReadUInt64LittleEndian(descriptor[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(descriptor[16..]),
            provider,
            name,
            arguments);
    }

    /// <summary>Takes one NUL-terminated string off the front of <paramref name="rest"/>, looking no further than the limit.</summary>
    private static string TakeString(ref ReadOnlySpan<byte> rest, string what, int limit, bool spaces, string path, ElfNote note)
    {
        int nul = rest[..Math.Min(rest.Length, limit + 1)].IndexOf((byte)0);
        if (nul < 0)
        {
            throw new UsdtNoteException(rest.Length > limit
                ? $"{Where(path, note)}: {what} is longer than the limit of {limit} bytes"
                : $"{Where(path, note)}: {what} is not NUL-terminated inside the note");
        }
        ReadOnlySpan<byte> bytes = rest[..nul];
        int bad = bytes.IndexOfAnyExceptInRange(spaces ? (byte)' ' : (byte)'!', (byte)'~');
        if (bad >= 0)
        {
            throw new UsdtNoteException($"{Where(path, note)}: {what} holds byte 0x{bytes[bad]:x2} at position {bad}; only printable ASCII{(spaces ? "" : " without spaces")} is accepted");
        }
        rest = rest[(nul + 1)..];
        return Encoding.ASCII.GetString(bytes);
    }

    /// <summary>The start of a message about a note; built only when one is needed, not for each of up to 10,000 notes.</summary>
    private static string Where(string path, ElfNote note) => $"{path}: stapsdt note at offset 0x{note.Offset:x}";
}
