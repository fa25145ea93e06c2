namespace Probes.Consumer.Export.Otlp;

/// <summary>
/// The OTLP ids of phase spans, derived from what the kernel saw, never random: the span id from
/// (process, SDK span id), so a child exported before its parent names the parent's id, and a
/// re-export of the same phase is the same span; a trace of a phase's own (no W3C activity around
/// it) from (process, outermost phase's span id).
/// </summary>
public static class OtlpIds
{
    /// <summary>The 8-byte span id of phase <paramref name="spanId"/> of process <paramref name="pid"/>; never zero.</summary>
    public static ulong PhaseSpanId(int pid, ulong spanId) => NonZero(Mix(Mix((ulong)(uint)pid ^ 0x5350414eUL) ^ spanId));

    /// <summary>The 16-byte trace id (two halves) of the trace rooted at phase <paramref name="rootSpanId"/>; never zero.</summary>
    public static (ulong High, ulong Low) OwnTraceId(int pid, ulong rootSpanId)
    {
        ulong seed = Mix((ulong)(uint)pid ^ 0x54524143UL) ^ rootSpanId;
        return (NonZero(Mix(seed ^ 0x68696768UL)), NonZero(Mix(seed ^ 0x6c6f77UL)));
    }

    /// <summary>SplitMix64's finalizer: a fixed bijection of 64 bits, the same in every run and build.</summary>
    private static ulong Mix(ulong value)
    {
        value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9UL;
        value = (value ^ (value >> 27)) * 0x94d049bb133111ebUL;
        return value ^ (value >> 31);
    }

    private static ulong NonZero(ulong value) => value == 0 ? 1 : value;
}
