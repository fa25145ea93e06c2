using System.Text;

namespace Probes;

/// <summary>
/// The stable 32-bit id of a phase or mark name: FNV-1a (32-bit) over the name's UTF-8 bytes.
/// The same name gives the same id in every process, build and language, so replicas aggregate
/// and a consumer can verify an id against the name it reads.
/// </summary>
/// <remarks>Vectors: "" = 0x811C9DC5, "a" = 0xE40C292C, "foobar" = 0xBF9CF968.</remarks>
public static class PhaseId
{
    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;

    /// <summary>Computes the id of <paramref name="name"/>.</summary>
    public static uint Of(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Span<byte> buffer = name.Length <= 256 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(name.Length)] : new byte[Encoding.UTF8.GetByteCount(name)];
        int written = Encoding.UTF8.GetBytes(name, buffer);
        return Of(buffer[..written]);
    }

    /// <summary>Computes the id of a name already encoded as UTF-8 (without terminator).</summary>
    public static uint Of(ReadOnlySpan<byte> utf8Name)
    {
        uint hash = OffsetBasis;
        foreach (byte b in utf8Name)
        {
            hash = unchecked((hash ^ b) * Prime);
        }
        return hash;
    }
}
