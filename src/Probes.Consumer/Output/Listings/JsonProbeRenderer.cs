using Probes.Consumer.Usdt;
using Probes.Consumer.Output.Json;
using Probes.Consumer.Tracing;
using Probes.Consumer.Tracing.Discovery;

namespace Probes.Consumer.Output.Listings;

/// <summary>
/// One JSON array, one object per probe. <c>pc</c>, <c>base</c> and <c>semaphore</c> are the raw
/// note values as numbers (0 when there is no semaphore), <c>args</c> the spec string as stored;
/// <c>pc_offset</c> and <c>semaphore_offset</c> are file offsets. Process targets add
/// <c>pid</c> and <c>host_path</c>, container targets <c>container</c>. A probe whose
/// arguments do not all decode carries <c>argument_errors</c> (<c>index</c>, <c>spec</c>,
/// <c>error</c>; index -1 for the spec as a whole). Verbose adds <c>arguments</c>: each
/// decoded (<c>spec</c>, <c>kind</c>, <c>size</c>, <c>signed</c>, registers, <c>displacement</c>
/// or <c>value</c>, <c>symbol</c> with <c>symbol_value</c>, ...) or <c>spec</c> and <c>error</c>.
/// The shape is <see cref="ProbeJson"/>.
/// </summary>
public sealed class JsonProbeRenderer(bool verbose) : IProbeRenderer
{
    public void Render(IReadOnlyList<ListedProbe> probes, TextWriter output, IDiagnosticSink notes) =>
        output.Write(OutputJson.Text<IReadOnlyList<ProbeJson>>(probes.Select(Contract).ToList(), OutputJsonContext.Default.IReadOnlyListProbeJson));

    private ProbeJson Contract(ListedProbe listed)
    {
        UsdtProbe probe = listed.Probe;
        return new ProbeJson(listed.File.Path, probe.Provider, probe.Name, probe.Pc, probe.Base, probe.Semaphore, probe.Arguments, probe.PcOffset, probe.SemaphoreOffset)
        {
            Pid = listed.File.Pid,
            HostPath = listed.File.Pid is null ? null : listed.File.HostPath,
            Container = listed.File.ContainerId,
            ArgumentErrors = listed.IsTraceable ? null : listed.ArgumentErrors.Select(e => new ArgumentErrorJson(e.Index, e.Spec, e.Reason)).ToList(),
            Arguments = verbose
                ? listed.EveryArgument().Where(a => a.Index >= 0)
                    .Select(a => a.Argument is not null ? Contract(a.Argument) : new ArgumentJson(a.Spec) { Error = a.Error!.Reason }).ToList()
                : null,
        };
    }

    private static ArgumentJson Contract(UsdtArgument argument)
    {
        bool constant = argument.Kind == UsdtArgumentKind.Constant;
        bool hasSymbol = argument.Symbol is not null;
        return new ArgumentJson(argument.Spec)
        {
            Kind = argument.Kind.ToString(),
            Size = argument.Size,
            Signed = argument.IsSigned,
            Base = argument.Base != X86Register.None ? X86RegisterNames.Name(argument.Base) : null,
            Index = argument.Index != X86Register.None ? X86RegisterNames.Name(argument.Index) : null,
            Scale = argument.Index != X86Register.None ? argument.Scale : null,
            Value = constant ? argument.Displacement : null,
            Displacement = constant ? null : argument.Displacement,
            Symbol = argument.Symbol,
            Tpoff = hasSymbol && argument.Relocation == UsdtSymbolRelocation.ThreadPointerOffset ? true : null,
            SymbolValue = hasSymbol ? argument.SymbolValue : null,
            Segment = argument.Segment != X86Segment.None ? argument.Segment.ToString().ToLowerInvariant() : null,
            BitOffset = argument.RegisterBitOffset != 0 ? argument.RegisterBitOffset : null,
            Float = argument.IsFloat ? true : null,
            Description = UsdtArgumentText.Describe(argument),
        };
    }
}
