using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Probes.Otlp.Proto.Collector.Metrics;
using Probes.Otlp.Proto.Collector.Trace;
using Probes.Otlp.Proto.Rpc;
using GrpcStatus = Grpc.Core.Status;
using RpcStatus = Probes.Otlp.Proto.Rpc.Status;

namespace Probes.Otlp.Receiver;

/// <summary>OTLP/gRPC TraceService: records the decoded request, then accepts or refuses it.</summary>
internal sealed class OtlpTraceGrpcService(ReceiverState state) : TraceService.TraceServiceBase
{
    public override async Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
    {
        await OtlpGrpcAdmission.AdmitAsync(state, context, OtlpSignal.Traces, traces: request, metrics: null);
        return new ExportTraceServiceResponse();
    }
}

/// <summary>OTLP/gRPC MetricsService: records the decoded request, then accepts or refuses it.</summary>
internal sealed class OtlpMetricsGrpcService(ReceiverState state) : MetricsService.MetricsServiceBase
{
    public override async Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context)
    {
        await OtlpGrpcAdmission.AdmitAsync(state, context, OtlpSignal.Metrics, traces: null, metrics: request);
        return new ExportMetricsServiceResponse();
    }
}

internal static class OtlpGrpcAdmission
{
    public const string TracesMethod = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    public const string MetricsMethod = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
    private const string StatusDetailsTrailer = "grpc-status-details-bin";

    public static async Task AdmitAsync(
        ReceiverState state, ServerCallContext context, OtlpSignal signal,
        ExportTraceServiceRequest? traces, ExportMetricsServiceRequest? metrics)
    {
        HttpContext http = context.GetHttpContext();
        GrpcWire wire = GrpcWire.Of(http);
        RequestFacts facts = RequestFacts.From(http, wire.ReceivedAt, signal, OtlpTransport.Grpc,
            http.Request.Headers["grpc-encoding"].ToString() is { Length: > 0 } e ? e : null, wire.Compressed, wire.Length);
        wire.Recorded = true;

        ReceiverPolicy policy = await state.AdmitAsync(facts, traces, metrics, context.CancellationToken);
        if (policy.Refuse)
        {
            var trailers = new Metadata();
            if (policy.RetryAfter is { } retryAfter)
            {
                // The gRPC twin of Retry-After: a google.rpc.Status carrying a RetryInfo.
                var details = new RpcStatus { Code = (int)StatusCode.Unavailable, Message = "refused" };
                details.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(retryAfter) }));
                trailers.Add(StatusDetailsTrailer, details.ToByteArray());
            }
            throw new RpcException(new GrpcStatus(StatusCode.Unavailable, "the test receiver was told to refuse"), trailers);
        }
    }
}
