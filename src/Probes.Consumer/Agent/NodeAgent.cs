using Probes.Consumer.Bpf.Maps;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Export.Otlp;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Tracing;
using Probes.Consumer.Tracing.Discovery;
using Probes.Consumer.Tracing.Resolution;
using Probes.Consumer.Tracing.Run;

namespace Probes.Consumer.Agent;

/// <summary>
/// <c>probes agent</c>: one long trace run over every copy of the shim on the host, phases paired
/// in the kernel. Every <see cref="AgentOptions.RescanInterval"/> /proc is scanned
/// (<see cref="ShimMapping.Scan"/>): new copies are attached, copies no process maps any more
/// detached (<see cref="AttachedShims"/>), and the containers that mapped a copy before it was
/// attached are counted as first seen late. A scrape asks for an exposition
/// (<see cref="MetricsExchange"/>), which is built here, on the run's thread, from the maps
/// (<see cref="PhaseSeriesTable"/>, <see cref="PrometheusText"/>). Containers gone for longer
/// than the grace period leave the exposition and their rows leave the kernel's maps. With
/// <see cref="AgentOptions.Otlp"/> the same maps are also exported over OTLP as cumulative
/// histograms, and every phase end the kernel sends (faulted, canceled, over the span threshold,
/// each process's first of a phase) as a span (<see cref="OtlpPhaseSession"/>), with each
/// container's name, image, pod and namespace in its resource.
/// </summary>
public sealed class NodeAgent(AgentOptions options, IDiagnosticSink sink)
{
    private readonly ContainerDirectory _directory = new();
    private readonly HostPaths _hostPaths = HostPaths.Detect();
    // In a container, the runtimes' state (pod, namespace, names under CRI-O and containerd) is read through the host's root too.
    private readonly ContainerCatalog _catalog = new(stateRoots: HostPaths.Detect() is { Prefix.Length: > 0 } host ? ContainerStateRoots.Under(host.Prefix) : null);
    private readonly Dictionary<string, ContainerLabels> _labels = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _lastSeen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ulong> _late = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ContainerRuntime> _runtimes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ulong> _hookResults = new(StringComparer.Ordinal);
    private readonly ShimLocator _shimLocator = new(TargetResolver.ShimFileName);
    private ulong _rescans;
    private ulong _expositions;
    private volatile bool _ready;

    /// <summary>The first scan of the host is attached (<c>/readyz</c>).</summary>
    public bool Ready => _ready;

    /// <summary>Runs until <paramref name="stop"/> is stopped; <paramref name="started"/> is told once the endpoint listens and the first scan is attached.</summary>
    public void Run(TraceStop stop, Action<string> started)
    {
        var exchange = new MetricsExchange(options.MaxExpositionAge);
        var target = new TraceTarget([], $"every copy of {TargetResolver.ShimFileName} on this host", _directory);
        var runOptions = new TraceRunOptions
        {
            RingBufferBytes = options.RingBufferBytes,
            // The threshold sends more ends as records, which only the OTLP export makes spans of.
            KernelPairing = new KernelPairingOptions { SlowThresholdNanoseconds = options.Otlp is null ? 0 : options.SpanThresholdNanoseconds ?? 0 },
            TickInterval = options.RescanInterval,
            // A hook request or a scrape waits for the loop's next turn: 20 ms rather than 100 keeps
            // that wait short for 50 idle wake-ups a second.
            PollTimeoutMilliseconds = 20,
        };
        using TraceRun run = TraceRun.Create(target, stop, sink, runOptions);
        using var shims = new AttachedShims(run, sink, options.Grace, withContext: options.Otlp is not null);
        // The exporter logs its drops and failures at most once per metric interval.
        using OtlpPhaseSession? export = options.Otlp is { } otlp ? new OtlpPhaseSession(otlp with { DropLogInterval = otlp.MetricInterval }, sink.Warning) : null;
        using MetricsEndpoint endpoint = MetricsEndpoint.Start(options.Listen, exchange, () => _ready);
        using HookListener? hooks = options.HookSocket is { } socket ? HookListener.Start(socket, _hostPaths) : null;
        run.Start();
        PhaseMaps maps = run.PhaseMaps!;
        KernelPhases? kernel = null;
        var table = new PhaseSeriesTable(id => kernel!.PhaseName(id), key => kernel!.ContainerOf(key), LabelsOf, options.MaxSeries);

        void Rescan()
        {
            _rescans++;
            List<ShimMapping> mapped = ShimMapping.Scan(TargetResolver.ShimFileName, sink);
            // A pid the scan no longer sees may come back as another service: its service name is read again then.
            export?.ForgetProcessesOtherThan(mapped.Select(m => m.Pid).ToHashSet());
            long now = Environment.TickCount64;
            foreach (int pid in shims.Update(mapped, now))
            {
                string id = _directory.Of(pid)?.Id ?? "";
                _late[id] = _late.GetValueOrDefault(id) + 1;
            }
            foreach (ContainerProcesses container in ContainerProcessScan.Scan())
            {
                _lastSeen[container.Id] = now;
                _runtimes[container.Id] = container.Runtime;
            }
            ForgetRemoved(maps, table, kernel, now);
        }

        void AfterPoll()
        {
            exchange.Beat();
            while (hooks is not null && hooks.TryTake(out var request))
            {
                string result = Hooked(shims, request.Root);
                _hookResults[result] = _hookResults.GetValueOrDefault(result) + 1;
                request.Answer.TrySetResult(result);
            }
            if (exchange.Wanted)
            {
                exchange.Publish(Exposition(maps, kernel, table, shims.Count, hooks is null ? null : WithMalformed(hooks.Malformed),
                    hooks is null ? null : new Dictionary<string, ulong> { ["known_path"] = _shimLocator.KnownPathHits, ["file_look"] = shims.AnsweredByLook },
                    export is null ? null : new OtlpCounters(export.ExportedSpans, export.DroppedSpans, export.DroppedDataPoints, export.FailedRequests)));
            }
        }

        Rescan();
        kernel = new KernelPhases(maps, AfterPoll, Rescan);
        _ready = true;
        exchange.Beat();
        started($"agent serving http://{Endpoint(options)}/metrics, attached to {shims.Count} file(s)"
            + (options.Otlp is { } settings ? $", exporting over OTLP to {settings.EndpointForLogs} every {settings.MetricInterval.TotalSeconds:0.###} s" : ""));
        run.Run(export?.Wrap(kernel, maps, kernel, ResourceOf) ?? kernel);
        if (export is not null)
        {
            sink.Note($"OTLP export finished{export.Finish()}");
        }
    }

    /// <summary>A container's OTLP resource from its labels, bounded like them; null for the host.</summary>
    private ContainerResource? ResourceOf(string containerId) => containerId.Length == 0 ? null : LabelsOf(containerId).ToResource();

    private static string Endpoint(AgentOptions options) =>
        options.Listen.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{options.Listen.Address}]:{options.Listen.Port}" : options.Listen.ToString();

    /// <summary>
    /// A hook's request: the shim in a container's root filesystem, attached before the container
    /// runs. "attached", "served" (its real file is attached already), "none" or "error".
    /// </summary>
    private string Hooked(AttachedShims shims, string root)
    {
        try
        {
            if (_shimLocator.Find(root) is not { } shim)
            {
                return "none";
            }
            int before = shims.Count;
            return !shims.AttachFile(shim, Environment.TickCount64) ? "none" : shims.Count > before ? "attached" : "served";
        }
        catch (ProbesException e)
        {
            sink.Warning($"hook for {root}: {e.Message}");
            return "error";
        }
    }

    private Dictionary<string, ulong> WithMalformed(long malformed) =>
        new(_hookResults, StringComparer.Ordinal) { ["error"] = _hookResults.GetValueOrDefault("error") + (ulong)malformed };

    private string Exposition(PhaseMaps maps, KernelPhases? kernel, PhaseSeriesTable table, int attachedFiles, IReadOnlyDictionary<string, ulong>? hookRequests, IReadOnlyDictionary<string, ulong>? hookShortcuts,
        OtlpCounters? otlp)
    {
        long now = Environment.TickCount64;
        (List<PhaseSeries> series, ulong unattributed) = table.Build(maps.ReadStatistics(), maps.ReadHistogram(), id => Exported(id, now));
        KernelPhaseCounters counters = maps.ReadCounters();
        int pending = maps.PendingCount();
        var late = _late.Where(pair => Exported(pair.Key, now)).Select(pair => (LabelsOf(pair.Key), pair.Value)).OrderBy(l => l.Item1.ContainerId, StringComparer.Ordinal).ToList();
        var agent = new AgentCounters(counters.RingFull, counters.Evicted(pending), counters.PendingFull, counters.HistogramFull, counters.StatisticsFull,
            counters.EndsWithoutBegin, unattributed, attachedFiles, _rescans, table.Overflowed, late, hookRequests, hookShortcuts, ++_expositions, otlp);
        List<MarkSeries> marks = kernel is null ? [] : kernel.Marks.Rows().Where(row => Exported(row.Container, now))
            .Select(row => new MarkSeries(LabelsOf(row.Container), row.Name, row.Count, row.Last, row.Min, row.Max)).ToList();
        return PrometheusText.Write(options.Node, series, agent, marks);
    }

    /// <summary>The host always; a container while it runs and for the grace period after its processes were last seen.</summary>
    private bool Exported(string containerId, long now)
    {
        if (containerId.Length == 0)
        {
            return true;
        }
        if (!_lastSeen.TryGetValue(containerId, out long seen))
        {
            _lastSeen[containerId] = seen = now; // its phases came between two scans: the grace starts now
        }
        return now - seen <= options.Grace.TotalMilliseconds;
    }

    /// <summary>Containers past their grace period: out of the series table, their rows out of the kernel's maps, their labels forgotten.</summary>
    private void ForgetRemoved(PhaseMaps maps, PhaseSeriesTable table, KernelPhases? kernel, long now)
    {
        var gone = _lastSeen.Where(pair => now - pair.Value > options.Grace.TotalMilliseconds).Select(pair => pair.Key).ToHashSet(StringComparer.Ordinal);
        if (gone.Count == 0 || kernel is null)
        {
            return;
        }
        table.Forget(gone.Contains);
        kernel.Marks.Forget(gone.Contains);
        int rows = maps.DeleteContainers(key => kernel.ContainerOf(key) is { } id && gone.Contains(id));
        foreach (string id in gone)
        {
            _lastSeen.Remove(id);
            _late.Remove(id);
            _labels.Remove(id);
            _runtimes.Remove(id);
        }
        sink.Detail($"{gone.Count} container(s) gone for more than {options.Grace}: {rows} map row(s) deleted");
    }

    private ContainerLabels LabelsOf(string containerId)
    {
        if (containerId.Length == 0)
        {
            return ContainerLabels.Host;
        }
        if (_labels.TryGetValue(containerId, out ContainerLabels? known))
        {
            return known;
        }
        ContainerLabels labels;
        if (containerId.StartsWith("pidns-", StringComparison.Ordinal))
        {
            labels = new ContainerLabels(ContainerDirectory.Unidentified(uint.TryParse(containerId.AsSpan(6), out uint ns) ? ns : 0).DisplayName, containerId, "", "", "");
        }
        else
        {
            ContainerMetadata metadata = _catalog.Metadata(containerId, _runtimes.GetValueOrDefault(containerId));
            string name = metadata.Name ?? (_directory.Names.TryGetValue(containerId, out string? named) ? named : metadata.ShortId);
            labels = new ContainerLabels(name, containerId, metadata.Image ?? "", metadata.Pod ?? "", metadata.PodNamespace ?? "");
            if (metadata.Name is null)
            {
                return labels; // asked again later: the runtime may not have named it yet
            }
        }
        return _labels[containerId] = labels;
    }
}
