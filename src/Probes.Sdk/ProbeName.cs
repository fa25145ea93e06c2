using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;

namespace Probes;

/// <summary>
/// A phase or mark name prepared for the probe ABI: its id and a NUL-terminated UTF-8 copy in
/// native memory that lives as long as the process, because a tracer may read the pointer at
/// any time after the probe fired.
/// </summary>
public sealed unsafe class ProbeName
{
    private static readonly ConcurrentDictionary<string, ProbeName> Interned = new(StringComparer.Ordinal);

    private ProbeName(string name)
    {
        Name = name;
        int length = Encoding.UTF8.GetByteCount(name);
        byte* utf8 = (byte*)NativeMemory.Alloc((nuint)length + 1);
        var bytes = new Span<byte>(utf8, length + 1);
        Encoding.UTF8.GetBytes(name, bytes);
        bytes[length] = 0;
        Utf8 = utf8;
        Id = PhaseId.Of(bytes[..length]);
    }

    /// <summary>The name as given.</summary>
    public string Name { get; }

    /// <summary>The stable id (<see cref="PhaseId"/>).</summary>
    public uint Id { get; }

    /// <summary>NUL-terminated UTF-8, never freed.</summary>
    internal byte* Utf8 { get; }

    /// <summary>
    /// Returns the one instance for <paramref name="name"/>; the UTF-8 copy is made once per
    /// distinct name. Names are kept for the life of the process, so they should come from a
    /// fixed set (phase names), not from request data.
    /// </summary>
    public static ProbeName Get(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (Interned.TryGetValue(name, out ProbeName? found))
        {
            return found;
        }
        // A lock, not GetOrAdd's factory: a losing racer would leak its native copy.
        lock (Interned)
        {
            return Interned.TryGetValue(name, out found) ? found : Interned[name] = new ProbeName(name);
        }
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
