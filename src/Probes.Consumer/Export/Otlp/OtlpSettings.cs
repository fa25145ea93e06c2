namespace Probes.Consumer.Export.Otlp;

/// <summary>Which OTLP transport: OTLP/gRPC or OTLP/HTTP with protobuf bodies.</summary>
public enum OtlpProtocol
{
    HttpProtobuf,
    Grpc,
}

/// <summary>
/// Where and how to export: the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>,
/// <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> and <c>OTEL_EXPORTER_OTLP_HEADERS</c> of the consumer's own
/// environment, overridden by flags. Header values are never logged (they often carry tokens).
/// </summary>
public sealed record OtlpSettings(Uri Endpoint, OtlpProtocol Protocol, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ProtocolVariable = "OTEL_EXPORTER_OTLP_PROTOCOL";
    public const string HeadersVariable = "OTEL_EXPORTER_OTLP_HEADERS";
    public const string MetricIntervalVariable = "OTEL_METRIC_EXPORT_INTERVAL";

    /// <summary>Spans waiting to be sent; beyond it new spans are dropped and counted.</summary>
    public int QueueCapacity { get; init; } = 8_192;

    /// <summary>Spans per export request.</summary>
    public int BatchSize { get; init; } = 512;

    /// <summary>How often queued spans and the histograms are sent.</summary>
    public TimeSpan ExportInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the cumulative histograms are sent (the agent: <c>OTEL_METRIC_EXPORT_INTERVAL</c> or its flag).</summary>
    public TimeSpan MetricInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one export request may take before it is given up (and its spans counted as dropped).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Drops are reported at most once per this interval.</summary>
    public TimeSpan DropLogInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The endpoint as logs name it: scheme, host and port, never a user or password the URL carries.</summary>
    public string EndpointForLogs => $"{Endpoint.Scheme}://{Endpoint.Authority}";

    public Uri TracesUrl => Protocol == OtlpProtocol.Grpc ? new Uri(Endpoint, "/opentelemetry.proto.collector.trace.v1.TraceService/Export") : Append("v1/traces");

    public Uri MetricsUrl => Protocol == OtlpProtocol.Grpc ? new Uri(Endpoint, "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export") : Append("v1/metrics");

    private Uri Append(string signal) => new(Endpoint.AbsoluteUri.TrimEnd('/') + "/" + signal);

    /// <summary>
    /// The settings from flags (<paramref name="endpoint"/>, <paramref name="protocol"/>) over the
    /// environment; a malformed value is a usage error (exit code 2).
    /// </summary>
    public static OtlpSettings Resolve(string? endpoint, string? protocol, Func<string, string?> environment)
    {
        string? endpointText = endpoint ?? environment(EndpointVariable);
        if (string.IsNullOrWhiteSpace(endpointText))
        {
            throw new UsageException($"OTLP export needs an endpoint: --otlp-endpoint or {EndpointVariable}");
        }
        if (!Uri.TryCreate(endpointText.Trim(), UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new UsageException($"the OTLP endpoint must be an http:// or https:// URL, not '{endpointText}'");
        }
        string protocolText = protocol ?? environment(ProtocolVariable) ?? "http/protobuf";
        OtlpProtocol parsed = protocolText.Trim() switch
        {
            "grpc" => OtlpProtocol.Grpc,
            "http/protobuf" => OtlpProtocol.HttpProtobuf,
            _ => throw new UsageException($"the OTLP protocol must be grpc or http/protobuf, not '{protocolText}' (http/json is not supported)"),
        };
        return new OtlpSettings(uri, parsed, ParseHeaders(environment(HeadersVariable)));
    }

    /// <summary>
    /// <c>OTEL_METRIC_EXPORT_INTERVAL</c>: whole milliseconds, as the specification says, from 100 ms
    /// to a day; null when unset; anything else is a usage error.
    /// </summary>
    public static TimeSpan? MetricIntervalFrom(string? milliseconds)
    {
        if (string.IsNullOrWhiteSpace(milliseconds))
        {
            return null;
        }
        return long.TryParse(milliseconds.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long value) && value is >= 100 and <= 86_400_000
            ? TimeSpan.FromMilliseconds(value)
            : throw new UsageException($"{MetricIntervalVariable} must be whole milliseconds from 100 to 86400000, not '{milliseconds}'");
    }

    /// <summary><c>key1=value1,key2=value2</c> with URL-encoded values, as the OTLP exporter specification says.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ParseHeaders(string? text)
    {
        var headers = new List<KeyValuePair<string, string>>();
        foreach (string pair in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new UsageException($"{HeadersVariable}: each header must be key=value (a pair without '=' was given)");
            }
            headers.Add(new(Uri.UnescapeDataString(pair[..equals].Trim()), Uri.UnescapeDataString(pair[(equals + 1)..].Trim())));
        }
        return headers;
    }
}
