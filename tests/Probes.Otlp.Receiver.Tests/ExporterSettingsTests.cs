using System.Diagnostics;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;
using Probes.Otlp.Receiver;

namespace Probes.Otlp.Receiver.Tests;

/// <summary>
/// How the official exporter can be configured to reach the receiver: the standard OTEL_*
/// settings alone (endpoint, protocol, headers), and gzip. The receiver must record the
/// headers and the compression as they came.
/// </summary>
[TestClass]
public sealed class ExporterSettingsTests
{
    [TestMethod]
    [DataRow(OtlpTransport.Grpc)]
    [DataRow(OtlpTransport.HttpProtobuf)]
    public async Task StandardSettingsReachTheReceiverWithTheirHeaders(OtlpTransport transport)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        string sourceName = $"Probes.Otlp.Tests.{Guid.NewGuid():N}";
        using var source = new ActivitySource(sourceName);
        using TracerProvider provider = OfficialExporter.TracesFromSettings(sourceName, new Dictionary<string, string?>
        {
            // The base endpoint: with http/protobuf the exporter appends /v1/traces itself.
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = (transport == OtlpTransport.Grpc ? receiver.GrpcEndpoint : receiver.HttpEndpoint).ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = transport == OtlpTransport.Grpc ? "grpc" : "http/protobuf",
            // Values are URL-encoded in this variable, as the OTLP exporter specification says.
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-probes-tenant=blue,authorization=Bearer%20abc123",
        });

        using (source.StartActivity("configured")) { }
        Assert.IsTrue(provider.ForceFlush(10_000), "the exporter did not flush");
        OtlpReceived got = await receiver.WaitForAsync(r => r.SpansNamed("configured").Count == 1, OfficialExporter.Patience);

        OtlpRequest request = got.SpansNamed("configured").Single().Request;
        Assert.AreEqual(transport, request.Transport);
        Assert.AreEqual("blue", request.Header("X-Probes-Tenant"));
        Assert.AreEqual("Bearer abc123", request.Header("authorization"));
        Assert.AreEqual("probes-otlp-receiver-tests", got.SpansNamed("configured").Single().ResourceAttributes["service.name"]);
        if (transport == OtlpTransport.HttpProtobuf)
        {
            Assert.AreEqual("/v1/traces", request.Path);
            Assert.AreEqual("application/x-protobuf", request.ContentType);
        }
        else
        {
            StringAssert.StartsWith(request.ContentType, "application/grpc");
        }
    }

    [TestMethod]
    [DataRow(OtlpTransport.Grpc)]
    [DataRow(OtlpTransport.HttpProtobuf)]
    public async Task GzipExportsAreDecompressedAndRecordedAsCompressed(OtlpTransport transport)
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        string sourceName = $"Probes.Otlp.Tests.{Guid.NewGuid():N}";
        using var source = new ActivitySource(sourceName);
        using TracerProvider provider = OfficialExporter.Traces(sourceName, receiver, transport,
            configure: options => options.Compression = OtlpExportCompression.GZip);

        // Repetitive enough that gzip must shrink it a lot.
        string sql = string.Concat(Enumerable.Repeat("SELECT id, total FROM orders WHERE id = @id; ", 200));
        using (Activity query = source.StartActivity("compressed")!)
        {
            query.SetTag("db.query.text", sql);
        }
        Assert.IsTrue(provider.ForceFlush(10_000), "the exporter did not flush");
        OtlpReceived got = await receiver.WaitForAsync(r => r.SpansNamed("compressed").Count == 1, OfficialExporter.Patience);

        ReceivedSpan span = got.SpansNamed("compressed").Single();
        Assert.AreEqual(sql, span.Attributes["db.query.text"]);
        OtlpRequest request = span.Request;
        Assert.IsTrue(request.Compressed, request.ToString());
        Assert.AreEqual("gzip", request.ContentEncoding);
        Assert.IsLessThan(request.Traces!.CalculateSize() / 4, request.WireLength, "gzip should shrink the repeated text");
    }
}
