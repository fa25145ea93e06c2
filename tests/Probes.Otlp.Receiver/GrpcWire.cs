using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Probes.Otlp.Receiver;

/// <summary>
/// What a gRPC request looked like on the wire, which Grpc.AspNetCore hides from services:
/// the body's size and whether its message frame was compressed (the frame's first byte; the
/// grpc-encoding header alone only names the algorithm the client may use).
/// The middleware buffers the body (bounded), notes these facts, and hands the same bytes on.
/// It also records requests that never reached a service: frames that did not decode.
/// </summary>
internal sealed class GrpcWire
{
    // A gRPC message frame: 1 byte compressed flag, 4 bytes big-endian length, the message.
    private const int FrameHeaderBytes = 5;

    private GrpcWire(DateTimeOffset receivedAt, long length, bool compressed)
    {
        ReceivedAt = receivedAt;
        Length = length;
        Compressed = compressed;
    }

    public DateTimeOffset ReceivedAt { get; }

    public long Length { get; }

    public bool Compressed { get; }

    /// <summary>Set by the service once it recorded the request.</summary>
    public bool Recorded { get; set; }

    public static GrpcWire Of(HttpContext context) =>
        context.Features.Get<GrpcWire>() ?? throw new InvalidOperationException("gRPC request without its wire facts");

    public static async Task CaptureAsync(HttpContext context, RequestDelegate next, ReceiverState state)
    {
        OtlpSignal? signal = context.Request.Path.Value switch
        {
            OtlpGrpcAdmission.TracesMethod => OtlpSignal.Traces,
            OtlpGrpcAdmission.MetricsMethod => OtlpSignal.Metrics,
            _ => null,
        };
        if (signal is null || !IsGrpc(context.Request.ContentType))
        {
            await next(context);
            return;
        }

        DateTimeOffset receivedAt = state.Clock.GetUtcNow();
        byte[]? body = await BoundedBody.ReadAsync(context.Request.Body, BoundedBody.MaxBytes + FrameHeaderBytes, context.RequestAborted);
        string? encoding = context.Request.Headers["grpc-encoding"].ToString() is { Length: > 0 } e ? e : null;
        if (body is null)
        {
            RequestFacts facts = RequestFacts.From(context, receivedAt, signal.Value, OtlpTransport.Grpc, encoding, false, -1);
            state.Record(facts, OtlpOutcome.TooLarge, $"message over {BoundedBody.MaxBytes} bytes");
            // A trailers-only gRPC response: the status travels in the headers.
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = ((int)StatusCode.ResourceExhausted).ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers["grpc-message"] = "message too large";
            return;
        }

        var wire = new GrpcWire(receivedAt, body.Length, body.Length >= FrameHeaderBytes && body[0] == 1);
        context.Features.Set(wire);
        context.Request.Body = new MemoryStream(body, writable: false);
        await next(context);

        if (!wire.Recorded)
        {
            // The framework answered without calling the service: the frame did not decode.
            RequestFacts facts = RequestFacts.From(context, receivedAt, signal.Value, OtlpTransport.Grpc, encoding, wire.Compressed, wire.Length);
            state.Record(facts, OtlpOutcome.Malformed, $"grpc-status {StatusOf(context)}");
        }
    }

    private static bool IsGrpc(string? contentType) =>
        contentType is not null && contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) &&
        !contentType.StartsWith("application/grpc-web", StringComparison.OrdinalIgnoreCase);

    private static string StatusOf(HttpContext context)
    {
        IHeaderDictionary? trailers = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
        string status = trailers?["grpc-status"].ToString() is { Length: > 0 } s ? s : context.Response.Headers["grpc-status"].ToString();
        string message = trailers?["grpc-message"].ToString() is { Length: > 0 } m ? m : context.Response.Headers["grpc-message"].ToString();
        return $"{status}: {message}";
    }
}
