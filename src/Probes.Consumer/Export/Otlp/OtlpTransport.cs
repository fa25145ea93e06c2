using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;

namespace Probes.Consumer.Export.Otlp;

/// <summary>
/// Sends one encoded OTLP request: OTLP/HTTP (<c>POST /v1/...</c>, <c>application/x-protobuf</c>)
/// or OTLP/gRPC (HTTP/2, prior knowledge on http://, one length-prefixed message, the answer's
/// <c>grpc-status</c>). Returns null on success, else why not, in a few words (no header values).
/// </summary>
public sealed class OtlpTransport(OtlpSettings settings) : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler { ConnectTimeout = settings.RequestTimeout, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1) })
    {
        Timeout = settings.RequestTimeout,
    };

    public async Task<string?> SendAsync(Uri url, byte[] message, CancellationToken cancel)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url);
            foreach (KeyValuePair<string, string> header in settings.Headers)
            {
                request.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
            if (settings.Protocol == OtlpProtocol.Grpc)
            {
                request.Version = HttpVersion.Version20;
                request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
                byte[] framed = new byte[5 + message.Length];
                BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)message.Length);
                message.CopyTo(framed, 5);
                request.Content = new ByteArrayContent(framed);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
                request.Headers.TryAddWithoutValidation("te", "trailers");
            }
            else
            {
                request.Content = new ByteArrayContent(message);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            }
            using HttpResponseMessage response = await _client.SendAsync(request, cancel).ConfigureAwait(false);
            await response.Content.ReadAsByteArrayAsync(cancel).ConfigureAwait(false); // the trailers come after the body
            if (!response.IsSuccessStatusCode)
            {
                return $"HTTP {(int)response.StatusCode}";
            }
            if (settings.Protocol == OtlpProtocol.Grpc)
            {
                string? status = Header(response.TrailingHeaders, "grpc-status") ?? Header(response.Headers, "grpc-status");
                if (status != "0")
                {
                    return $"gRPC status {status ?? "missing"}";
                }
            }
            return null;
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return "timed out";
        }
        catch (HttpRequestException e)
        {
            return e.HttpRequestError == HttpRequestError.ConnectionError ? "connection refused or unreachable" : $"request failed ({e.HttpRequestError})";
        }
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out IEnumerable<string>? values) ? values.FirstOrDefault() : null;

    public void Dispose() => _client.Dispose();
}
