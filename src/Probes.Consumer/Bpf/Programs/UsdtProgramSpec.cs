using Probes.Consumer.Bpf.Btf;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Bpf.Programs;

/// <summary>
/// What one USDT site's program must capture. Each site of a probe has its own argument specs
/// (registers differ between sites), so each gets its own program; all sites of a probe share
/// one probe id and one record layout.
/// </summary>
/// <param name="ProbeId">Written into every record so user space knows which probe fired.</param>
/// <param name="Arguments">The site's parsed argument specs.</param>
/// <param name="StringArguments">0-based indexes of arguments to read as NUL-terminated user strings.</param>
/// <param name="StringLength">Bytes reserved per string, NUL included.</param>
/// <param name="SiteVirtualAddress">
/// The probe site's link-time virtual address, in the layout of the file's symbol tables
/// (<see cref="UsdtProbe.SiteAddress"/>): the program subtracts it from the run-time ip to find
/// the load bias that symbol arguments (resolved in <see cref="UsdtArgument.SymbolValue"/>) move by.
/// </param>
/// <param name="SegmentBases">Where the kernel keeps a task's %fs/%gs bases, for %fs: arguments; null reads them from the running kernel's BTF when needed.</param>
public sealed record UsdtProgramSpec(
    uint ProbeId,
    IReadOnlyList<UsdtArgument> Arguments,
    IReadOnlyCollection<int> StringArguments,
    int StringLength = UsdtProgramSpec.DefaultStringLength,
    ulong SiteVirtualAddress = 0,
    SegmentBaseOffsets? SegmentBases = null)
{
    public const int DefaultStringLength = 256;

    public UsdtRecordLayout Layout() => new(Arguments.Count, StringArguments, StringLength);
}
