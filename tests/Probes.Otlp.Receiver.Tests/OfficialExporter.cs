using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Probes.Otlp.Receiver;

namespace Probes.Otlp.Receiver.Tests;

/// <summary>
/// The official OpenTelemetry .NET SDK and OTLP exporter, pointed at a receiver. Settings are
/// the standard OTEL_* names given as configuration instead of the process environment, so a
/// test never depends on (or leaks into) the environment of the run.
/// </summary>
internal static class OfficialExporter
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    public static OtlpExportProtocol ProtocolOf(OtlpTransport transport) =>
        transport == OtlpTransport.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;

    /// <summary>Exports every span of <paramref name="sourceName"/> to the receiver.</summary>
    public static TracerProvider Traces(
        string sourceName, OtlpTestReceiver receiver, OtlpTransport transport,
        Action<ResourceBuilder>? resource = null,
        Action<OtlpExporterOptions>? configure = null,
        IReadOnlyDictionary<string, string?>? settings = null) =>
        Sdk.CreateTracerProviderBuilder()
            .ConfigureServices(services => services.AddSingleton(Configuration(settings)))
            .AddSource(sourceName)
            .SetSampler(new AlwaysOnSampler())
            .ConfigureResource(builder =>
            {
                builder.Clear();
                resource?.Invoke(builder);
            })
            .AddOtlpExporter(options =>
            {
                options.Protocol = ProtocolOf(transport);
                options.Endpoint = receiver.EndpointFor(transport, OtlpSignal.Traces);
                configure?.Invoke(options);
            })
            .Build();

    /// <summary>A tracer provider configured only by OTEL_* settings (endpoint, protocol, headers...).</summary>
    public static TracerProvider TracesFromSettings(string sourceName, IReadOnlyDictionary<string, string?> settings) =>
        Sdk.CreateTracerProviderBuilder()
            .ConfigureServices(services => services.AddSingleton(Configuration(settings)))
            .AddSource(sourceName)
            .SetSampler(new AlwaysOnSampler())
            .ConfigureResource(builder => builder.Clear().AddService("probes-otlp-receiver-tests"))
            .AddOtlpExporter()
            .Build();

    /// <summary>Exports the meter's instruments to the receiver on ForceFlush only (no periodic export).</summary>
    public static MeterProvider Metrics(
        string meterName, OtlpTestReceiver receiver, OtlpTransport transport,
        Action<MeterProviderBuilder>? views = null,
        Action<ResourceBuilder>? resource = null,
        MetricReaderTemporalityPreference temporality = MetricReaderTemporalityPreference.Cumulative)
    {
        MeterProviderBuilder builder = Sdk.CreateMeterProviderBuilder()
            .ConfigureServices(services => services.AddSingleton(Configuration(null)))
            .AddMeter(meterName)
            .ConfigureResource(r =>
            {
                r.Clear();
                resource?.Invoke(r);
            });
        views?.Invoke(builder);
        return builder
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Protocol = ProtocolOf(transport);
                exporter.Endpoint = receiver.EndpointFor(transport, OtlpSignal.Metrics);
                reader.TemporalityPreference = temporality;
                // Only the test's ForceFlush exports, so each export holds what the test recorded.
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = int.MaxValue;
            })
            .Build();
    }

    private static IConfiguration Configuration(IReadOnlyDictionary<string, string?>? settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
}
