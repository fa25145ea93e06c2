using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Probes.Otlp.Proto.Collector.Metrics;
using Probes.Otlp.Proto.Collector.Trace;
using RpcStatus = Probes.Otlp.Proto.Rpc.Status;

namespace Probes.Otlp.Receiver;

/// <summary>
/// OTLP/HTTP with binary protobuf bodies: POST /v1/traces and /v1/metrics, gzip or identity.
/// Answers as the OTLP specification says: 200 with the Export*ServiceResponse; 400 for a body
/// that does not decode; 413 past the size limit; 415 for OTLP/JSON or an unknown encoding;
/// 503 with an optional Retry-After when refusing. Every error body is a google.rpc.Status.
/// </summary>
internal static class OtlpHttpEndpoints
{
    public const string TracesPath = "/v1/traces";
    public const string MetricsPath = "/v1/metrics";
    private const string ProtobufContentType = "application/x-protobuf";

    // gRPC status codes, which the google.rpc.Status body carries (OTLP says clients may ignore them).
    private const int InvalidArgument = 3;
    private const int ResourceExhausted = 8;
    private const int Unavailable = 14;
    private const int Unimplemented = 12;

    public static void Map(WebApplication app, ReceiverState state)
    {
        app.MapPost(TracesPath, context => HandleAsync(context, state, OtlpSignal.Traces));
        app.MapPost(MetricsPath, context => HandleAsync(context, state, OtlpSignal.Metrics));
    }

    private static async Task HandleAsync(HttpContext context, ReceiverState state, OtlpSignal signal)
    {
        DateTimeOffset receivedAt = state.Clock.GetUtcNow();
        CancellationToken cancellation = context.RequestAborted;
        string? encoding = context.Request.Headers.ContentEncoding.ToString() is { Length: > 0 } e ? e : null;
        bool gzip = string.Equals(encoding, "gzip", StringComparison.OrdinalIgnoreCase);

        byte[]? wire = await BoundedBody.ReadAsync(context.Request.Body, BoundedBody.MaxBytes, cancellation);
        RequestFacts Facts(long wireLength) =>
            RequestFacts.From(context, receivedAt, signal, OtlpTransport.HttpProtobuf, encoding, gzip, wireLength);

        if (wire is null)
        {
            state.Record(Facts(-1), OtlpOutcome.TooLarge, $"body over {BoundedBody.MaxBytes} bytes");
            await FailAsync(context, StatusCodes.Status413PayloadTooLarge, ResourceExhausted, "request body too large");
            return;
        }
        RequestFacts facts = Facts(wire.Length);

        if (!IsProtobuf(context.Request.ContentType))
        {
            string error = $"content type '{context.Request.ContentType}' is not decoded by this test receiver (OTLP/JSON is not supported)";
            state.Record(facts, OtlpOutcome.Unsupported, error);
            await FailAsync(context, StatusCodes.Status415UnsupportedMediaType, Unimplemented, error);
            return;
        }
        if (encoding is not null && !gzip && !string.Equals(encoding, "identity", StringComparison.OrdinalIgnoreCase))
        {
            string error = $"content encoding '{encoding}' is not supported (gzip or none)";
            state.Record(facts, OtlpOutcome.Unsupported, error);
            await FailAsync(context, StatusCodes.Status415UnsupportedMediaType, Unimplemented, error);
            return;
        }

        ExportTraceServiceRequest? traces = null;
        ExportMetricsServiceRequest? metrics = null;
        try
        {
            byte[]? payload = gzip ? await BoundedBody.GunzipAsync(wire, BoundedBody.MaxBytes, cancellation) : wire;
            if (payload is null)
            {
                state.Record(facts, OtlpOutcome.TooLarge, $"body inflates past {BoundedBody.MaxBytes} bytes");
                await FailAsync(context, StatusCodes.Status413PayloadTooLarge, ResourceExhausted, "request body too large after gunzip");
                return;
            }
            if (signal == OtlpSignal.Traces)
            {
                traces = ExportTraceServiceRequest.Parser.ParseFrom(payload);
            }
            else
            {
                metrics = ExportMetricsServiceRequest.Parser.ParseFrom(payload);
            }
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidDataException)
        {
            string error = $"payload does not decode: {ex.Message}";
            state.Record(facts, OtlpOutcome.Malformed, error);
            await FailAsync(context, StatusCodes.Status400BadRequest, InvalidArgument, error);
            return;
        }

        ReceiverPolicy policy = await state.AdmitAsync(facts, traces, metrics, cancellation);
        if (policy.Refuse)
        {
            if (policy.RetryAfter is { } retryAfter)
            {
                // Whole seconds, rounded up: Retry-After has no finer unit.
                context.Response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            await FailAsync(context, StatusCodes.Status503ServiceUnavailable, Unavailable, "the test receiver was told to refuse");
            return;
        }

        IMessage response = signal == OtlpSignal.Traces ? new ExportTraceServiceResponse() : new ExportMetricsServiceResponse();
        await WriteProtobufAsync(context, StatusCodes.Status200OK, response);
    }

    private static bool IsProtobuf(string? contentType) =>
        contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out MediaTypeHeaderValue? parsed) &&
        parsed.MediaType.Equals(ProtobufContentType, StringComparison.OrdinalIgnoreCase);

    private static Task FailAsync(HttpContext context, int httpStatus, int code, string message) =>
        WriteProtobufAsync(context, httpStatus, new RpcStatus { Code = code, Message = message });

    private static async Task WriteProtobufAsync(HttpContext context, int httpStatus, IMessage message)
    {
        context.Response.StatusCode = httpStatus;
        context.Response.ContentType = ProtobufContentType;
        await context.Response.Body.WriteAsync(message.ToByteArray(), context.RequestAborted);
    }
}
