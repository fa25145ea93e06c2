using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Maps;
using Probes.Consumer.Tracing.Run;

namespace Probes.Consumer.Export.Otlp;

/// <summary>
/// OTLP export for one run of <c>probes phases</c> or the agent: the exporter and its thread, the
/// span join, the clock that turns kernel timestamps into wall-clock time. <see cref="Wrap"/> puts
/// it in front of the run's own consumer; <see cref="Finish"/> sends the last histograms and what
/// is queued, waiting a bounded time.
/// </summary>
public sealed class OtlpPhaseSession : IDisposable
{
    public static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(5);

    private readonly OtlpExporter _exporter;
    private readonly MonotonicClock _clock = new();
    private readonly PhaseSpanJoin _join;
    private readonly ServiceNames _services = new();
    private readonly TimeSpan _interval;
    private OtlpPhaseExport? _export;

    public OtlpPhaseSession(OtlpSettings settings, Action<string> warn)
    {
        _exporter = new OtlpExporter(settings, Environment.MachineName, warn);
        _join = new PhaseSpanJoin(_clock.ToUnixNanoseconds);
        _interval = settings.MetricInterval;
    }

    /// <summary>Spans dropped so far (queue full or request failed); the agent's /metrics shows it.</summary>
    public long DroppedSpans => _exporter.DroppedSpans;

    public long ExportedSpans => _exporter.ExportedSpans;

    public long FailedRequests => _exporter.FailedRequests;

    public long DroppedDataPoints => _exporter.DroppedDataPoints;

    /// <param name="maps">The kernel's maps when phases are paired there: the histograms come from them.</param>
    /// <param name="kernel">The kernel-mode consumer that learns phase names and containers from sent records.</param>
    /// <param name="containerOf">What is known of a container (its name, image, pod) by its id, or null while nothing is.</param>
    public ITraceConsumer Wrap(ITraceConsumer inner, PhaseMaps? maps, KernelPhases? kernel, Func<string, ContainerResource?> containerOf)
    {
        Func<IReadOnlyList<ExportedHistogram>>? histograms = maps is null || kernel is null ? null : () => KernelHistograms.Build(
            maps.ReadStatistics(), maps.ReadHistogram(), kernel.PhaseName, kernel.ContainerOf,
            container => new SpanOrigin(0, container, container.Length == 0 ? null : containerOf(container), _export?.ServiceOf(container) ?? "unknown_service"));
        return _export = new OtlpPhaseExport(inner, _exporter, _join, _services, histograms, _interval, containerOf);
    }

    /// <summary>Forgets what is kept per process (service names, open phases, contexts) of every process but <paramref name="alive"/>; the agent's rescans call it.</summary>
    public void ForgetProcessesOtherThan(IReadOnlySet<int> alive)
    {
        _services.ForgetAllBut(alive);
        _join.ForgetAllBut(alive);
    }

    /// <summary>Sends the last histograms and the queued spans; the closing line's words about the export.</summary>
    public string Finish()
    {
        _export?.Finish();
        _exporter.FlushAndStopAsync(FlushTimeout).GetAwaiter().GetResult();
        return $", {_exporter.ExportedSpans} spans exported over OTLP"
            + (_exporter.DroppedSpans > 0 ? $", {_exporter.DroppedSpans} dropped" : "")
            + (_join.Refused > 0 ? $", {_join.Refused} begins not joined (open-phase limit {PhaseSpanJoin.DefaultMaxOpen})" : "");
    }

    public void Dispose() => _exporter.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
