using System.Net;
using Probes.Consumer.Export.Otlp;
using Probes.Consumer.Tracing.Run;

namespace Probes.Consumer.Agent;

/// <summary>How a <see cref="NodeAgent"/> runs.</summary>
public sealed record AgentOptions
{
    /// <summary>9464, the OpenTelemetry Prometheus exporter's default port, on loopback (see DESIGN.md).</summary>
    public static readonly IPEndPoint DefaultListen = new(IPAddress.Loopback, 9464);

    public IPEndPoint Listen { get; init; } = DefaultListen;

    /// <summary>The <c>node</c> label of every sample.</summary>
    public string Node { get; init; } = Environment.MachineName;

    /// <summary>How often /proc is scanned for new copies of the shim and for files no longer mapped.</summary>
    public TimeSpan RescanInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long the series of a container are still exported after its last process is gone, and
    /// how long a file no process maps stays attached (a new container of its image is then covered from its first probe).
    /// </summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Phase series (phase, status, container) exported at most; the rest go into one overflow series.</summary>
    public int MaxSeries { get; init; } = 10_000;

    /// <summary>How old an exposition a scrape may be given (scrapes more often than this share one).</summary>
    public TimeSpan MaxExpositionAge { get; init; } = TimeSpan.FromSeconds(1);

    public int RingBufferBytes { get; init; } = TraceRunOptions.DefaultRingBufferBytes;

    /// <summary>Where to export over OTLP besides serving /metrics; null: no OTLP export.</summary>
    public OtlpSettings? Otlp { get; init; }

    /// <summary>With <see cref="Otlp"/>: phases at least this long are sent to user space and exported as spans (besides the faulted, canceled and each process's first of a phase); null: no threshold.</summary>
    public ulong? SpanThresholdNanoseconds { get; init; }

    /// <summary>The unix socket <c>probes hook</c> asks on (<see cref="HookListener"/>); null: no hook socket.</summary>
    public string? HookSocket { get; init; }
}
