using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Probes.Otlp.Proto.Collector.Trace;
using Probes.Otlp.Proto.Common;
using Probes.Otlp.Proto.Rpc;
using Probes.Otlp.Proto.Trace;
using Probes.Otlp.Receiver;
using RpcStatus = Probes.Otlp.Proto.Rpc.Status;

namespace Probes.Otlp.Receiver.Tests;

/// <summary>
/// The receiver's own answers, driven by plain HTTP and gRPC clients: what OTLP says a server
/// answers to bad bodies, unsupported media, refusal and delay, and how the receiver records them.
/// </summary>
[TestClass]
public sealed class ReceiverProtocolTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [TestMethod]
    public async Task UndecodableBodyIsAnsweredBadRequestAndRecordedMalformed()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        using var client = new HttpClient();
        // Field 1 (resource_spans) as a length-delimited field claiming 100 bytes that never come.
        using HttpResponseMessage response = await client.PostAsync(receiver.TracesUrl, Protobuf([0x0A, 100, 1, 2]));

        Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.AreEqual("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        RpcStatus status = RpcStatus.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        StringAssert.Contains(status.Message, "does not decode");
        OtlpRequest request = receiver.Received.Requests.Single();
        Assert.AreEqual(OtlpOutcome.Malformed, request.Outcome);
        Assert.IsNull(request.Traces);
    }

    [TestMethod]
    public async Task OtlpJsonAndUnknownEncodingsAreUnsupportedMediaType()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        using var client = new HttpClient();
        using HttpResponseMessage json = await client.PostAsync(receiver.TracesUrl,
            new StringContent("{\"resourceSpans\":[]}", System.Text.Encoding.UTF8, "application/json"));
        ByteArrayContent brotli = Protobuf(OneSpan("x").ToByteArray());
        brotli.Headers.ContentEncoding.Add("br");
        using HttpResponseMessage unknownEncoding = await client.PostAsync(receiver.MetricsUrl, brotli);

        Assert.AreEqual(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        Assert.AreEqual(HttpStatusCode.UnsupportedMediaType, unknownEncoding.StatusCode);
        CollectionAssert.AreEqual(new[] { OtlpOutcome.Unsupported, OtlpOutcome.Unsupported },
            receiver.Received.Requests.Select(r => r.Outcome).ToArray());
        StringAssert.Contains(receiver.Received.Requests[0].Error, "OTLP/JSON");
    }

    [TestMethod]
    public async Task GzipBodiesAreInflatedAndBrokenGzipIsBadRequest()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        using var client = new HttpClient();
        byte[] payload = OneSpan("zipped").ToByteArray();
        ByteArrayContent zipped = Protobuf(Gzip(payload));
        zipped.Headers.ContentEncoding.Add("gzip");
        using HttpResponseMessage ok = await client.PostAsync(receiver.TracesUrl, zipped);
        ByteArrayContent broken = Protobuf(payload);
        broken.Headers.ContentEncoding.Add("gzip");
        using HttpResponseMessage bad = await client.PostAsync(receiver.TracesUrl, broken);

        Assert.AreEqual(HttpStatusCode.OK, ok.StatusCode);
        Assert.AreEqual(0, ExportTraceServiceResponse.Parser.ParseFrom(await ok.Content.ReadAsByteArrayAsync()).CalculateSize(),
            "full success leaves partial_success unset");
        Assert.AreEqual(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.AreEqual("zipped", receiver.Received.Spans().Single().Name);
        Assert.IsTrue(receiver.Received.Requests[0].Compressed);
        Assert.AreEqual(OtlpOutcome.Malformed, receiver.Received.Requests[1].Outcome);
    }

    [TestMethod]
    public async Task RefusalIs503WithRetryAfterOverHttp()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        using var client = new HttpClient();
        receiver.Refuse(retryAfter: TimeSpan.FromSeconds(2.5));
        using HttpResponseMessage refused = await client.PostAsync(receiver.TracesUrl, Protobuf(OneSpan("refused").ToByteArray()));
        receiver.Accept();
        using HttpResponseMessage accepted = await client.PostAsync(receiver.TracesUrl, Protobuf(OneSpan("accepted").ToByteArray()));

        Assert.AreEqual(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.AreEqual(TimeSpan.FromSeconds(3), refused.Headers.RetryAfter?.Delta, "whole seconds, rounded up");
        Assert.AreEqual(14, RpcStatus.Parser.ParseFrom(await refused.Content.ReadAsByteArrayAsync()).Code);
        Assert.AreEqual(HttpStatusCode.OK, accepted.StatusCode);
        OtlpReceived got = receiver.Received;
        Assert.AreEqual("refused", got.Refused.Single().Traces!.ResourceSpans[0].ScopeSpans[0].Spans[0].Name, "refused requests are decoded too");
        Assert.AreEqual("accepted", got.Spans().Single().Name, "only accepted requests count as delivered");
    }

    [TestMethod]
    public async Task RefusalIsUnavailableWithRetryInfoOverGrpc()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        using GrpcChannel channel = GrpcChannel.ForAddress(receiver.GrpcEndpoint);
        var client = new TraceService.TraceServiceClient(channel);
        receiver.RefuseFor(TimeSpan.FromMinutes(5), retryAfter: TimeSpan.FromSeconds(2));

        RpcException refused = await Assert.ThrowsExactlyAsync<RpcException>(
            async () => await client.ExportAsync(OneSpan("refused")));
        receiver.Accept();
        await client.ExportAsync(OneSpan("accepted"), new Metadata { { "x-probes-tenant", "green" } });

        Assert.AreEqual(StatusCode.Unavailable, refused.StatusCode);
        byte[] details = refused.Trailers.GetValueBytes("grpc-status-details-bin")!;
        RetryInfo retry = RpcStatus.Parser.ParseFrom(details).Details.Single().Unpack<RetryInfo>();
        Assert.AreEqual(TimeSpan.FromSeconds(2), retry.RetryDelay.ToTimeSpan());
        OtlpReceived got = receiver.Received;
        Assert.AreEqual(OtlpOutcome.Refused, got.Requests[0].Outcome);
        ReceivedSpan accepted = got.Spans().Single();
        Assert.AreEqual("accepted", accepted.Name);
        Assert.AreEqual("green", accepted.Request.Header("x-probes-tenant"));
        Assert.AreEqual("HTTP/2", accepted.Request.HttpProtocol);
    }

    [TestMethod]
    public async Task RefuseForEndsByItself()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch.AddYears(56));
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync(clock);
        using var client = new HttpClient();
        receiver.RefuseFor(TimeSpan.FromSeconds(30));

        using HttpResponseMessage during = await client.PostAsync(receiver.TracesUrl, Protobuf(OneSpan("a").ToByteArray()));
        clock.Advance(TimeSpan.FromSeconds(31));
        using HttpResponseMessage after = await client.PostAsync(receiver.TracesUrl, Protobuf(OneSpan("b").ToByteArray()));

        Assert.AreEqual(HttpStatusCode.ServiceUnavailable, during.StatusCode);
        Assert.IsNull(during.Headers.RetryAfter, "no Retry-After unless asked for");
        Assert.AreEqual(HttpStatusCode.OK, after.StatusCode);
    }

    [TestMethod]
    public async Task UndecodableGrpcFrameIsRecordedMalformed()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        using var client = new HttpClient();
        // An uncompressed frame of 4 bytes whose message claims a 100-byte field.
        byte[] frame = [0, 0, 0, 0, 4, 0x0A, 100, 1, 2];
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(receiver.GrpcEndpoint, "/opentelemetry.proto.collector.trace.v1.TraceService/Export"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.ParseAdd("trailers");
        using HttpResponseMessage response = await client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();

        OtlpRequest recorded = (await receiver.WaitForAsync(r => r.Requests.Count == 1, Patience)).Requests.Single();
        Assert.AreEqual(OtlpOutcome.Malformed, recorded.Outcome);
        Assert.AreEqual(OtlpTransport.Grpc, recorded.Transport);
        Assert.AreEqual(frame.Length, recorded.WireLength);
        Assert.IsNull(recorded.Traces);
        // Trailers-only answer: the status comes in the headers.
        string status = response.Headers.GetValues("grpc-status").Single();
        Assert.AreNotEqual("0", status);
        StringAssert.StartsWith(recorded.Error, $"grpc-status {status}: ", recorded.Error);
    }

    [TestMethod]
    public async Task DelayedResponsesArriveAfterTheDelayButAreRecordedAtOnce()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        using var client = new HttpClient();
        receiver.DelayResponses(TimeSpan.FromSeconds(2));

        var clock = Stopwatch.StartNew();
        Task<HttpResponseMessage> post = client.PostAsync(receiver.TracesUrl, Protobuf(OneSpan("slow").ToByteArray()));
        await receiver.WaitForAsync(r => r.Spans().Count == 1, Patience);
        Assert.IsFalse(post.IsCompleted, "the answer waits for the delay");
        using HttpResponseMessage response = await post;

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.IsGreaterThanOrEqualTo(TimeSpan.FromSeconds(2), clock.Elapsed);
        receiver.DelayResponses(TimeSpan.Zero);
    }

    [TestMethod]
    public async Task WaitForTimesOutWithAnAccountOfWhatArrived()
    {
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        using var client = new HttpClient();
        await client.PostAsync(receiver.TracesUrl, Protobuf(OneSpan("lonely").ToByteArray()));

        TimeoutException timeout = await Assert.ThrowsExactlyAsync<TimeoutException>(
            () => receiver.WaitForSpansAsync(2, TimeSpan.FromMilliseconds(300)));
        StringAssert.Contains(timeout.Message, "lonely");
        StringAssert.Contains(timeout.Message, "HttpProtobuf/Traces/Accepted: 1");
    }

    [TestMethod]
    public async Task DisposeClosesBothPorts()
    {
        OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        int[] ports = [receiver.HttpPort, receiver.GrpcPort];
        Assert.AreNotEqual(ports[0], ports[1]);
        await receiver.DisposeAsync();
        await receiver.DisposeAsync();

        foreach (int port in ports)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            SocketException refused = await Assert.ThrowsExactlyAsync<SocketException>(
                async () => await socket.ConnectAsync(IPAddress.Loopback, port));
            Assert.AreEqual(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }
        await Assert.ThrowsExactlyAsync<ObjectDisposedException>(() => receiver.ListenAgainAsync());
    }

    [TestMethod]
    public void AttributeValuesBecomePlainDotNetValues()
    {
        var kvlist = new KeyValueList();
        kvlist.Values.Add(new KeyValue { Key = "inner", Value = new AnyValue { IntValue = 7 } });
        var array = new ArrayValue();
        array.Values.Add(new AnyValue { StringValue = "a" });
        array.Values.Add(new AnyValue { BoolValue = true });
        KeyValue[] attributes =
        [
            new() { Key = "s", Value = new AnyValue { StringValue = "text" } },
            new() { Key = "d", Value = new AnyValue { DoubleValue = 1.5 } },
            new() { Key = "b", Value = new AnyValue { BytesValue = ByteString.CopyFrom(1, 2) } },
            new() { Key = "a", Value = new AnyValue { ArrayValue = array } },
            new() { Key = "m", Value = new AnyValue { KvlistValue = kvlist } },
            new() { Key = "empty", Value = new AnyValue() },
        ];

        IReadOnlyDictionary<string, object?> values = OtlpAttributes.ToDictionary(attributes);

        Assert.AreEqual("text", values["s"]);
        Assert.AreEqual(1.5, values["d"]);
        CollectionAssert.AreEqual(new byte[] { 1, 2 }, (byte[])values["b"]!);
        CollectionAssert.AreEqual(new object?[] { "a", true }, (object?[])values["a"]!);
        Assert.AreEqual(7L, ((IReadOnlyDictionary<string, object?>)values["m"]!)["inner"]);
        Assert.IsNull(values["empty"]);
    }

    private static ExportTraceServiceRequest OneSpan(string name)
    {
        var span = new Span
        {
            TraceId = ByteString.CopyFrom(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray()),
            SpanId = ByteString.CopyFrom(Enumerable.Range(1, 8).Select(i => (byte)i).ToArray()),
            Name = name,
        };
        var scope = new ScopeSpans();
        scope.Spans.Add(span);
        var resource = new ResourceSpans();
        resource.ScopeSpans.Add(scope);
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(resource);
        return request;
    }

    private static ByteArrayContent Protobuf(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        return content;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }
        return output.ToArray();
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
