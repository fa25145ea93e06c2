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
/// <param name="Role">
/// What the site is to a session that pairs phases in the kernel (<see cref="UsdtSessionOptions.KernelPairing"/>):
/// a phase_begin or phase_end site gets a pairing program, anything else the plain record program.
/// </param>
public sealed record UsdtProgramSpec(
    uint ProbeId,
    IReadOnlyList<UsdtArgument> Arguments,
    IReadOnlyCollection<int> StringArguments,
    int StringLength = UsdtProgramSpec.DefaultStringLength,
    ulong SiteVirtualAddress = 0,
    SegmentBaseOffsets? SegmentBases = null,
    PhaseProbeRole Role = PhaseProbeRole.None)
{
    public const int DefaultStringLength = 256;

    /// <summary>The note's arguments (and for a paired phase_end, <see cref="PhaseProgramGenerator.EndExtraSlots"/> more).</summary>
    public UsdtRecordLayout Layout() => Layout(paired: false);

    internal UsdtRecordLayout Layout(bool paired) =>
        new(Arguments.Count + (paired && Role == PhaseProbeRole.End ? PhaseProgramGenerator.EndExtraSlots : 0), StringArguments, StringLength);
}

/// <summary>A site's part in phase pairing (Probe ABI v1: phase_begin(id, name, span, parent), phase_end(id, name, span, status)).</summary>
public enum PhaseProbeRole
{
    None,
    Begin,
    End,
}
