namespace Probes.Consumer.Bpf.Ring;

/// <summary>
/// A decoded USDT event. Namespace fields are null when the program could not read them (no
/// BTF). <see cref="Strings"/> is indexed like <see cref="Arguments"/>; an entry is non-null
/// exactly for arguments read as strings.
/// </summary>
public sealed record UsdtEvent(
    ulong TimestampNanoseconds,
    int Pid,
    int Tid,
    int? NamespacePid,
    int? NamespaceTid,
    uint? PidNamespaceInode,
    uint? MountNamespaceInode,
    string Comm,
    uint ProbeId,
    IReadOnlyList<ulong> Arguments,
    IReadOnlyList<string?> Strings)
{
    /// <summary>Argument <paramref name="index"/> as a signed value (the program already sign-extended signed arguments).</summary>
    public long SignedArgument(int index) => unchecked((long)Arguments[index]);
}
