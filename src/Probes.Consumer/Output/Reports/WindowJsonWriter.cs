using Probes.Consumer.Output.Json;
using Probes.Consumer.Phases;

namespace Probes.Consumer.Output.Reports;

/// <summary><c>--interval</c> for logs and pipes: one compact JSON object per window and line (<see cref="PhaseWindowJson"/>).</summary>
public static class WindowJsonWriter
{
    public static void Write(PhaseReport report, IReadOnlyList<WindowRow> window, DateTimeOffset end, TimeSpan length, bool final, Stream output) =>
        OutputJson.Write(output, new PhaseWindowJson(
            end.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
            Math.Round(length.TotalSeconds, 3), final,
            window.Select(w => new PhaseWindowRowJson(
                w.Cumulative.Name, w.Cumulative.Id, report.ContainerName(w.Cumulative.Container), w.Cumulative.Container,
                w.Count, Math.Round(w.PerSecond, 3), w.TotalNs, w.P50Ns, w.P99Ns, w.Faulted, w.Canceled,
                w.Cumulative.Count, w.Cumulative.P50Ns, w.Cumulative.P99Ns)).ToList(),
            report.Lost, report.Unfinished.Count), OutputJsonContext.Default.PhaseWindowJson, indented: false);
}
