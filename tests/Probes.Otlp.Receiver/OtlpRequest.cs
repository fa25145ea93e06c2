using Probes.Otlp.Proto.Collector.Metrics;
using Probes.Otlp.Proto.Collector.Trace;

namespace Probes.Otlp.Receiver;

public enum OtlpSignal
{
    Traces,
    Metrics,
}

public enum OtlpTransport
{
    /// <summary>OTLP/HTTP with a binary protobuf body (POST /v1/traces, /v1/metrics).</summary>
    HttpProtobuf,

    /// <summary>OTLP/gRPC (TraceService/Export, MetricsService/Export) over HTTP/2 cleartext.</summary>
    Grpc,
}

/// <summary>What the receiver answered.</summary>
public enum OtlpOutcome
{
    /// <summary>Decoded and answered with success (HTTP 200, gRPC OK).</summary>
    Accepted,

    /// <summary>Decoded, then refused because the receiver was told to (HTTP 503, gRPC UNAVAILABLE).</summary>
    Refused,

    /// <summary>The payload did not decode as the OTLP message (HTTP 400, gRPC INTERNAL from the framework).</summary>
    Malformed,

    /// <summary>A content type or encoding the receiver does not decode, such as OTLP/JSON (HTTP 415).</summary>
    Unsupported,

    /// <summary>The body was larger than the receiver's limit (HTTP 413).</summary>
    TooLarge,
}

/// <summary>
/// One export request as it arrived: how it came (transport, HTTP version, headers, encoding,
/// size on the wire), what the receiver answered, and the decoded OTLP message (null when the
/// payload could not be decoded).
/// </summary>
/// <param name="Sequence">1, 2, 3... in the order the receiver recorded requests.</param>
/// <param name="HttpProtocol">"HTTP/1.1" or "HTTP/2", as Kestrel saw the request.</param>
/// <param name="Path">/v1/traces, /v1/metrics, or the gRPC method path.</param>
/// <param name="ContentEncoding">HTTP Content-Encoding, or the gRPC grpc-encoding header.</param>
/// <param name="Compressed">The payload itself was gzip-compressed (HTTP body, or the gRPC frame's flag).</param>
/// <param name="WireLength">Body bytes as received, before any gunzip (gRPC: with the 5-byte frame header); -1 past the size limit.</param>
/// <param name="Headers">Every request header, names lowercased.</param>
/// <param name="Error">Why the request was not accepted, for the outcomes that say so.</param>
public sealed record OtlpRequest(
    long Sequence,
    DateTimeOffset ReceivedAt,
    OtlpSignal Signal,
    OtlpTransport Transport,
    string HttpProtocol,
    string Path,
    string? ContentType,
    string? ContentEncoding,
    bool Compressed,
    long WireLength,
    IReadOnlyDictionary<string, string> Headers,
    OtlpOutcome Outcome,
    string? Error,
    ExportTraceServiceRequest? Traces,
    ExportMetricsServiceRequest? Metrics)
{
    /// <summary>A request header by name (case-insensitive), or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out string? value) ? value : null;

    public int SpanCount => Traces?.ResourceSpans.Sum(r => r.ScopeSpans.Sum(s => s.Spans.Count)) ?? 0;

    public override string ToString() =>
        $"#{Sequence} {Transport} {Signal} {HttpProtocol} {Outcome}" +
        (Compressed ? " gzip" : "") + $" {WireLength} B" + (Error is null ? "" : $" ({Error})");
}
