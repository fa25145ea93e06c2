using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace Probes.Sample;

/// <summary>
/// The sample's own OpenTelemetry tracing (<c>--otlp-endpoint</c>): one activity per request,
/// exported over OTLP/HTTP with the SDK's batch processor. The service name comes from
/// OTEL_SERVICE_NAME, which the SDK reads itself. Prints each request's trace and span id, so a
/// test can find the trace and check the phases' parents.
/// </summary>
internal sealed class RequestTracing : IDisposable
{
    public const string SourceName = "Probes.Sample.Requests";

    private readonly ActivitySource _source = new(SourceName);
    private readonly TracerProvider _provider;

    public RequestTracing(string endpoint)
    {
        _provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(SourceName)
            .AddOtlpExporter(otlp =>
            {
                otlp.Endpoint = new Uri(endpoint.TrimEnd('/') + "/v1/traces");
                otlp.Protocol = OtlpExportProtocol.HttpProtobuf;
            })
            .Build()!;
    }

    public Activity? StartRequest(int request)
    {
        Activity? activity = _source.StartActivity("request", ActivityKind.Server);
        if (activity is not null)
        {
            activity.SetTag("sample.request", request);
            Console.WriteLine($"request {request} trace={activity.TraceId.ToHexString()} span={activity.SpanId.ToHexString()}");
        }
        return activity;
    }

    public void Dispose()
    {
        _provider.ForceFlush(10_000);
        _provider.Dispose();
        _source.Dispose();
    }
}
