using System.Globalization;
using Probes.Consumer.Usdt;

using Probes.Consumer.Tracing;
using Probes.Consumer.Tracing.Discovery;

namespace Probes.Consumer.Output.Listings;

/// <summary>
/// One line per probe: <c>FILE provider:name pc=0x… semaphore=0x…|none args="…"</c>, plus
/// <c>pid=N</c> when it was found in a process. With verbose, indented lines follow with the
/// file offsets and each argument in words, or why it cannot be decoded; without, one note at
/// the end counts the probes whose arguments cannot be decoded.
/// </summary>
public sealed class TextProbeRenderer(bool verbose) : IProbeRenderer
{
    public void Render(IReadOnlyList<ListedProbe> probes, TextWriter output, IDiagnosticSink notes)
    {
        foreach (ListedProbe listed in probes)
        {
            output.WriteLine(Line(listed));
            if (verbose)
            {
                foreach (string detail in Details(listed))
                {
                    output.WriteLine($"    {detail}");
                }
            }
        }
        int undecoded = probes.Count(p => !p.IsTraceable);
        if (undecoded > 0 && !verbose)
        {
            notes.Note($"{undecoded} probe(s) have arguments probes cannot decode, so they cannot be traced; --verbose says why");
        }
    }

    public static string Line(ListedProbe listed)
    {
        UsdtProbe probe = listed.Probe;
        string semaphore = probe.HasSemaphore ? Hex(probe.Semaphore) : "none";
        string pid = listed.File.Pid is { } p ? $" pid={p.ToString(CultureInfo.InvariantCulture)}" : "";
        // Paths and note strings are the target's: escaped for the terminal.
        return TerminalText.Safe($"{listed.File.Path} {probe.Provider}:{probe.Name} pc={Hex(probe.Pc)} semaphore={semaphore} args=\"{probe.Arguments}\"{pid}");
    }

    public static IEnumerable<string> Details(ListedProbe listed)
    {
        UsdtProbe probe = listed.Probe;
        yield return probe.HasSemaphore
            ? $"site at file offset {Hex(probe.PcOffset)}, semaphore at file offset {Hex(probe.SemaphoreOffset)}"
            : $"site at file offset {Hex(probe.PcOffset)}, no semaphore";
        foreach ((int index, string spec, UsdtArgument? argument, UsdtArgumentError? error) in listed.EveryArgument())
        {
            string what = argument is not null ? UsdtArgumentText.Describe(argument) : $"cannot be decoded: {error!.Reason}";
            yield return TerminalText.Safe(index < 0
                ? $"arguments {what}"
                : $"arg{index.ToString(CultureInfo.InvariantCulture)} {spec}: {what}");
        }
    }

    private static string Hex(ulong value) => $"0x{value.ToString("x", CultureInfo.InvariantCulture)}";
}
