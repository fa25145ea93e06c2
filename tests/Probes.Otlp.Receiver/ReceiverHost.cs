using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Probes.Otlp.Receiver;

/// <summary>
/// One Kestrel host on 127.0.0.1 with two ports: HTTP/1.1 for OTLP/HTTP and HTTP/2 cleartext
/// (prior knowledge) for OTLP/gRPC. Two ports because Kestrel serves HTTP/2 on an
/// Http1AndHttp2 endpoint only after TLS ALPN: without TLS it answers an h2c client with
/// HTTP_1_1_REQUIRED. The empty builder reads no configuration and logs nothing, so the
/// environment of the test run cannot move the ports.
/// </summary>
internal sealed class ReceiverHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ReceiverHost(WebApplication app, int httpPort, int grpcPort)
    {
        _app = app;
        HttpPort = httpPort;
        GrpcPort = grpcPort;
    }

    public int HttpPort { get; }

    public int GrpcPort { get; }

    /// <summary>Starts listening; port 0 picks a free one.</summary>
    public static async Task<ReceiverHost> StartAsync(ReceiverState state, int httpPort, int grpcPort, CancellationToken cancellation)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        ListenOptions? http = null;
        ListenOptions? grpc = null;
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            // The endpoints bound bodies themselves, so an oversized one is recorded, not just cut.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Listen(IPAddress.Loopback, httpPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                http = listen;
            });
            kestrel.Listen(IPAddress.Loopback, grpcPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                grpc = listen;
            });
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddGrpc(options => options.MaxReceiveMessageSize = BoundedBody.MaxBytes);
        builder.Services.AddSingleton(state);

        WebApplication app = builder.Build();
        app.Use((context, next) => GrpcWire.CaptureAsync(context, next, state));
        OtlpHttpEndpoints.Map(app, state);
        app.MapGrpcService<OtlpTraceGrpcService>();
        app.MapGrpcService<OtlpMetricsGrpcService>();
        try
        {
            await app.StartAsync(cancellation);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        // Kestrel writes the bound port back into the endpoint when it was 0.
        return new ReceiverHost(app, http!.IPEndPoint!.Port, grpc!.IPEndPoint!.Port);
    }

    public async ValueTask DisposeAsync()
    {
        // Open requests (a delayed answer) get a moment, then connections are closed.
        using var shutdown = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(shutdown.Token);
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }
}
