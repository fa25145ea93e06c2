using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using Probes.Consumer.Agent;
using Probes.Consumer.Export.Otlp;
using Probes.Consumer.Tracing;
using Probes.Consumer.Tracing.Run;

namespace Probes.Consumer.Cli;

/// <summary>
/// <c>probes agent</c>: the node agent (<see cref="NodeAgent"/>) until SIGTERM or Ctrl-C, which
/// detach everything and exit 0. The listen address also comes from the OpenTelemetry Prometheus
/// exporter's variables, <c>OTEL_EXPORTER_PROMETHEUS_HOST</c> and <c>_PORT</c>, when the flag is not given.
/// OTLP export is on with <c>--otlp-endpoint</c> or <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (a daemon set is
/// configured by its environment), with OpenTelemetry's other variables for the protocol, headers and interval.
/// </summary>
public static class AgentCommand
{
    public static Command Create(CliConsole console)
    {
        var listen = new Option<IPEndPoint?>("--listen", "-l")
        {
            Description = $"ADDRESS:PORT to serve /metrics, /healthz and /readyz on (default {AgentOptions.DefaultListen}, or OTEL_EXPORTER_PROMETHEUS_HOST/PORT; 0.0.0.0:PORT for every address).",
            CustomParser = result => ParseEndpoint(result, SingleToken(result), "--listen"),
        };
        var node = new Option<string?>("--node")
        {
            Description = "The node label of every sample (default: NODE_NAME, else the host name).",
            CustomParser = result => CommonOptions.ParseNonEmpty(result, "--node"),
        };
        var rescan = new Option<TimeSpan?>("--rescan-interval")
        {
            Description = "Seconds between scans of /proc for new copies of the shim (default 2).",
            CustomParser = result => ParseSeconds(result, "--rescan-interval", 0.1, 3600),
        };
        var grace = new Option<TimeSpan?>("--grace")
        {
            Description = "Seconds a removed container's series stay exported, and a file no process maps stays attached (default 300).",
            CustomParser = result => ParseSeconds(result, "--grace", 0, 86_400),
        };
        var maxSeries = new Option<int?>("--max-series")
        {
            Description = "Phase series (phase, status, container) exported at most; the others go into one overflow series (default 10000).",
            CustomParser = result => int.TryParse(SingleToken(result), NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value is > 0 and <= 1_000_000
                ? value
                : Error<int?>(result, $"--max-series must be a whole number from 1 to 1000000, not '{SingleToken(result)}'"),
        };
        var hookSocket = new Option<string?>("--hook-socket")
        {
            Description = $"Listen for 'probes hook' (an OCI hook) on this unix socket, e.g. {HookCommand.DefaultSocket} (default: no hook socket).",
            CustomParser = result => CommonOptions.ParseNonEmpty(result, "--hook-socket"),
        };
        var logFormat = new Option<string>("--log-format")
        {
            Description = "text (one 'probes: ...' line per event) or json (one JSON object per line: time, level, msg).",
            DefaultValueFactory = _ => "text",
        };
        logFormat.AcceptOnlyFromAmong("text", "json");
        Option<string?> otlpEndpoint = CommonOptions.OtlpEndpoint("every container's phase histograms, cumulative, and the phases the kernel sends "
            + "(faulted, canceled, over --span-threshold, each process's first of a phase) as spans, inside the application's own traces. Default: OTEL_EXPORTER_OTLP_ENDPOINT;");
        Option<string?> otlpProtocol = CommonOptions.OtlpProtocol();
        var otlpInterval = new Option<TimeSpan?>("--otlp-interval")
        {
            Description = "Seconds between two exports of the histograms, and at most one log line of drops per interval (default: OTEL_METRIC_EXPORT_INTERVAL in ms, else 10).",
            CustomParser = result => ParseSeconds(result, "--otlp-interval", 0.1, 86_400),
        };
        var spanThreshold = new Option<ulong?>("--span-threshold")
        {
            Description = "With OTLP export: phases at least this long (250us, 10ms, 1.5s) are exported as spans too; 1ns exports every phase.",
            CustomParser = DurationThreshold.Parse,
        };
        Option<int?> ringSize = CommonOptions.RingSize($"Ring buffer size in bytes, a power of two (default {TraceRunOptions.DefaultRingBufferBytes >> 20} MiB).");

        var command = new Command("agent", "Serve every container's phase histograms to Prometheus, attached to every copy of the shim on this host, old and new.");
        foreach (Option option in new Option[] { listen, node, rescan, grace, maxSeries, hookSocket, logFormat, otlpEndpoint, otlpProtocol, otlpInterval, spanThreshold, ringSize })
        {
            command.Options.Add(option);
        }
        command.SetAction(parse =>
        {
            bool verbose = parse.GetValue(CommonOptions.Verbose);
            OtlpSettings? otlp = Otlp(parse.GetValue(otlpEndpoint), parse.GetValue(otlpProtocol), parse.GetValue(otlpInterval), parse.GetValue(spanThreshold) is not null || parse.GetValue(otlpInterval) is not null);
            var options = new AgentOptions
            {
                Listen = parse.GetValue(listen) ?? FromEnvironment(),
                Node = parse.GetValue(node) ?? NonEmpty(Environment.GetEnvironmentVariable("NODE_NAME")) ?? Environment.MachineName,
                RescanInterval = parse.GetValue(rescan) ?? new AgentOptions().RescanInterval,
                Grace = parse.GetValue(grace) ?? new AgentOptions().Grace,
                MaxSeries = parse.GetValue(maxSeries) ?? new AgentOptions().MaxSeries,
                RingBufferBytes = parse.GetValue(ringSize) ?? TraceRunOptions.DefaultRingBufferBytes,
                HookSocket = parse.GetValue(hookSocket),
                Otlp = otlp,
                SpanThresholdNanoseconds = parse.GetValue(spanThreshold),
            };
            var privileges = PrivilegeCheck.Current();
            privileges.Demand("probes agent", tracing: true, privileges.EveryProcessReason());
            using var stop = new TraceStop();
            using var signals = new ShutdownSignal(stop);
            IDiagnosticSink log = parse.GetValue(logFormat) == "json" ? new JsonLogDiagnostics(console.Error, verbose) : new ConsoleDiagnostics(console, verbose);
            new NodeAgent(options, log).Run(stop, log.Note);
            log.Note($"agent stopped ({stop.Reason ?? "stopped"}); everything detached");
            return (int)ExitCode.Success;
        });
        return command;
    }

    /// <summary>The agent's OTLP export, checked before anything is attached; null when neither the flag nor the variable names an endpoint.</summary>
    private static OtlpSettings? Otlp(string? endpoint, string? protocol, TimeSpan? interval, bool otlpOnlyOptionGiven)
    {
        if (endpoint is null && NonEmpty(Environment.GetEnvironmentVariable(OtlpSettings.EndpointVariable)) is null)
        {
            return otlpOnlyOptionGiven || protocol is not null
                ? throw new UsageException($"--otlp-protocol, --otlp-interval and --span-threshold need --otlp-endpoint (or {OtlpSettings.EndpointVariable})")
                : null;
        }
        OtlpSettings settings = OtlpSettings.Resolve(endpoint, protocol, Environment.GetEnvironmentVariable);
        return settings with
        {
            MetricInterval = interval ?? OtlpSettings.MetricIntervalFrom(Environment.GetEnvironmentVariable(OtlpSettings.MetricIntervalVariable)) ?? DefaultMetricInterval,
        };
    }

    /// <summary>Ten seconds: a Prometheus scrape's pace; OpenTelemetry's own default (60 s) would leave a dashboard a minute behind.</summary>
    private static readonly TimeSpan DefaultMetricInterval = TimeSpan.FromSeconds(10);

    /// <summary>OTEL_EXPORTER_PROMETHEUS_HOST and _PORT (the OpenTelemetry exporter's names), else the default; a bad value is a usage error.</summary>
    private static IPEndPoint FromEnvironment()
    {
        string? host = NonEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_PROMETHEUS_HOST"));
        string? port = NonEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_PROMETHEUS_PORT"));
        if (host is null && port is null)
        {
            return AgentOptions.DefaultListen;
        }
        IPAddress address = AgentOptions.DefaultListen.Address;
        if (host is not null && !(host == "localhost" ? IPAddress.TryParse("127.0.0.1", out address!) : IPAddress.TryParse(host, out address!)))
        {
            throw new UsageException($"OTEL_EXPORTER_PROMETHEUS_HOST must be an IP address (or localhost), not '{host}'");
        }
        int number = AgentOptions.DefaultListen.Port;
        if (port is not null && !(int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out number) && number is > 0 and <= 65535))
        {
            throw new UsageException($"OTEL_EXPORTER_PROMETHEUS_PORT must be a port from 1 to 65535, not '{port}'");
        }
        return new IPEndPoint(address, number);
    }

    private static IPEndPoint? ParseEndpoint(ArgumentResult result, string text, string option)
    {
        if (IPEndPoint.TryParse(text, out IPEndPoint? endpoint) && endpoint.Port is > 0 and <= 65535 && text.Contains(':', StringComparison.Ordinal)
            && (endpoint.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || text.StartsWith('[')))
        {
            return endpoint;
        }
        return Error<IPEndPoint?>(result, $"{option} must be IP:PORT or [IPv6]:PORT with a port from 1 to 65535, not '{text}'");
    }

    private static TimeSpan? ParseSeconds(ArgumentResult result, string option, double min, double max)
    {
        string text = SingleToken(result);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && double.IsFinite(seconds) && seconds >= min && seconds <= max
            ? TimeSpan.FromSeconds(seconds)
            : Error<TimeSpan?>(result, $"{option} must be a number of seconds from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, not '{text}'");
    }

    private static T Error<T>(ArgumentResult result, string message)
    {
        result.AddError(message);
        return default!;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static string SingleToken(ArgumentResult result) => result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
}
