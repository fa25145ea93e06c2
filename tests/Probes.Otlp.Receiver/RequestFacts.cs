using Microsoft.AspNetCore.Http;

namespace Probes.Otlp.Receiver;

/// <summary>How a request arrived, gathered before (or without) decoding it.</summary>
internal sealed record RequestFacts(
    DateTimeOffset ReceivedAt,
    OtlpSignal Signal,
    OtlpTransport Transport,
    string HttpProtocol,
    string Path,
    string? ContentType,
    string? ContentEncoding,
    bool Compressed,
    long WireLength,
    IReadOnlyDictionary<string, string> Headers)
{
    public static RequestFacts From(
        HttpContext context, DateTimeOffset receivedAt, OtlpSignal signal, OtlpTransport transport,
        string? contentEncoding, bool compressed, long wireLength)
    {
        HttpRequest request = context.Request;
        return new RequestFacts(receivedAt, signal, transport, request.Protocol, request.Path.Value ?? "",
            request.ContentType, contentEncoding, compressed, wireLength, HeadersOf(request));
    }

    // Lowercase names (HTTP/2 sends them so anyway); repeated headers joined as HTTP allows.
    private static Dictionary<string, string> HeadersOf(HttpRequest request) =>
        request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
}
