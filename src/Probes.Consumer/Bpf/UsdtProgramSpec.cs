using Probes.Consumer.Usdt;

namespace Probes.Consumer.Bpf;

/// <summary>
/// What one USDT site's program must capture. Each site of a probe has its own argument specs
/// (registers differ between sites), so each gets its own program; all sites of a probe share
/// one probe id and one record layout.
/// </summary>
/// <param name="ProbeId">Written into every record so user space knows which probe fired.</param>
/// <param name="Arguments">The site's parsed argument specs.</param>
/// <param name="StringArguments">0-based indexes of arguments to read as NUL-terminated user strings.</param>
/// <param name="StringLength">Bytes reserved per string, NUL included.</param>
/// <param name="SiteVirtualAddress">The probe site's link-time virtual address (needed only for rip-relative arguments).</param>
/// <param name="ResolveSymbol">Link-time virtual address of a symbol named in a rip-relative argument.</param>
public sealed record UsdtProgramSpec(
    uint ProbeId,
    IReadOnlyList<UsdtArgument> Arguments,
    IReadOnlyCollection<int> StringArguments,
    int StringLength = UsdtProgramSpec.DefaultStringLength,
    ulong SiteVirtualAddress = 0,
    Func<string, ulong?>? ResolveSymbol = null)
{
    public const int DefaultStringLength = 256;

    public UsdtRecordLayout Layout() => new(Arguments.Count, StringArguments, StringLength);
}
