namespace Probes.Otlp.Receiver;

/// <summary>
/// A test receiver that speaks OTLP: OTLP/gRPC and OTLP/HTTP (binary protobuf, gzip or not)
/// on 127.0.0.1, decoding traces and metrics against the OTLP protobuf messages and recording
/// every request. It is not an OpenTelemetry Collector: it forwards, stores and processes
/// nothing, and it decodes only traces and metrics. See README.md beside this file.
/// </summary>
/// <example>
/// <code>
/// await using var receiver = await OtlpTestReceiver.StartAsync();
/// // point an exporter at receiver.GrpcEndpoint or receiver.TracesUrl, then:
/// OtlpReceived got = await receiver.WaitForAsync(r => r.Spans().Count >= 3, TimeSpan.FromSeconds(10));
/// </code>
/// </example>
public sealed class OtlpTestReceiver : IAsyncDisposable
{
    private readonly ReceiverState _state;
    private readonly SemaphoreSlim _hostLock = new(1, 1);
    private ReceiverHost? _host;
    private bool _disposed;

    private OtlpTestReceiver(ReceiverState state, ReceiverHost host)
    {
        _state = state;
        _host = host;
        HttpPort = host.HttpPort;
        GrpcPort = host.GrpcPort;
    }

    /// <summary>The HTTP/1.1 port (OTLP/HTTP).</summary>
    public int HttpPort { get; }

    /// <summary>The HTTP/2 cleartext port (OTLP/gRPC).</summary>
    public int GrpcPort { get; }

    /// <summary>
    /// The OTLP/HTTP base, as OTEL_EXPORTER_OTLP_ENDPOINT takes it with protocol http/protobuf
    /// (the exporter appends /v1/traces or /v1/metrics).
    /// </summary>
    public Uri HttpEndpoint => new($"http://127.0.0.1:{HttpPort}");

    /// <summary>The OTLP/gRPC endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT takes it with protocol grpc.</summary>
    public Uri GrpcEndpoint => new($"http://127.0.0.1:{GrpcPort}");

    /// <summary>The full OTLP/HTTP traces URL (what OtlpExporterOptions.Endpoint takes for HttpProtobuf).</summary>
    public Uri TracesUrl => new(HttpEndpoint, OtlpHttpEndpoints.TracesPath);

    /// <summary>The full OTLP/HTTP metrics URL.</summary>
    public Uri MetricsUrl => new(HttpEndpoint, OtlpHttpEndpoints.MetricsPath);

    /// <summary>Whether the receiver is listening (false between <see cref="StopListeningAsync"/> and <see cref="ListenAgainAsync"/>).</summary>
    public bool IsListening => Volatile.Read(ref _host) is not null;

    /// <summary>Starts a receiver on two free loopback ports.</summary>
    public static Task<OtlpTestReceiver> StartAsync(CancellationToken cancellation = default) =>
        StartAsync(TimeProvider.System, cancellation);

    /// <summary>Starts a receiver whose refusal windows and delays run on <paramref name="clock"/>.</summary>
    public static async Task<OtlpTestReceiver> StartAsync(TimeProvider clock, CancellationToken cancellation = default)
    {
        var state = new ReceiverState(clock);
        ReceiverHost host = await ReceiverHost.StartAsync(state, 0, 0, cancellation);
        return new OtlpTestReceiver(state, host);
    }

    /// <summary>The URL an exporter should use for a signal over a transport.</summary>
    public Uri EndpointFor(OtlpTransport transport, OtlpSignal signal) => transport switch
    {
        OtlpTransport.Grpc => GrpcEndpoint,
        _ => signal == OtlpSignal.Traces ? TracesUrl : MetricsUrl,
    };

    /// <summary>Everything received so far.</summary>
    public OtlpReceived Received => _state.Snapshot().Snapshot;

    /// <summary>
    /// Waits until what arrived satisfies <paramref name="condition"/> and returns that snapshot.
    /// Throws <see cref="TimeoutException"/> with an account of what did arrive.
    /// </summary>
    public async Task<OtlpReceived> WaitForAsync(Func<OtlpReceived, bool> condition, TimeSpan timeout, CancellationToken cancellation = default)
    {
        using var expiry = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        expiry.CancelAfter(timeout);
        while (true)
        {
            (OtlpReceived snapshot, Task changed) = _state.Snapshot();
            if (condition(snapshot))
            {
                return snapshot;
            }
            try
            {
                await changed.WaitAsync(expiry.Token);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                throw new TimeoutException($"OTLP test receiver: condition not met within {timeout}; got {Received.Describe()}");
            }
        }
    }

    /// <summary>Waits for at least <paramref name="count"/> accepted spans.</summary>
    public Task<OtlpReceived> WaitForSpansAsync(int count, TimeSpan timeout) =>
        WaitForAsync(r => r.Spans().Count >= count, timeout);

    /// <summary>Waits until a metric of that name has arrived in an accepted request.</summary>
    public Task<OtlpReceived> WaitForMetricAsync(string name, TimeSpan timeout) =>
        WaitForAsync(r => r.DataPoints(name).Count > 0, timeout);

    /// <summary>
    /// Refuses every export until <see cref="Accept"/>: HTTP 503 and gRPC UNAVAILABLE, both
    /// retryable in OTLP. With <paramref name="retryAfter"/>, the answer says when to retry
    /// (HTTP Retry-After in whole seconds; gRPC RetryInfo in grpc-status-details-bin).
    /// Refused requests are still decoded and recorded, with outcome Refused.
    /// </summary>
    public void Refuse(TimeSpan? retryAfter = null) => _state.Refuse(DateTimeOffset.MaxValue, retryAfter);

    /// <summary>Refuses every export for <paramref name="duration"/> from now, then accepts again.</summary>
    public void RefuseFor(TimeSpan duration, TimeSpan? retryAfter = null) =>
        _state.Refuse(_state.Clock.GetUtcNow() + duration, retryAfter);

    /// <summary>Accepts exports again (the default).</summary>
    public void Accept() => _state.Accept();

    /// <summary>
    /// Answers every export only after <paramref name="delay"/> (the request is recorded when it
    /// arrives); <see cref="TimeSpan.Zero"/> answers at once again. Useful for client timeouts.
    /// </summary>
    public void DelayResponses(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        _state.Delay(delay);
    }

    /// <summary>Forgets every recorded request.</summary>
    public void Clear() => _state.Clear();

    /// <summary>
    /// Closes both ports, so clients get "connection refused" (an endpoint that is down, rather
    /// than one that answers 503). The record is kept. <see cref="ListenAgainAsync"/> reopens
    /// the same ports.
    /// </summary>
    public async Task StopListeningAsync()
    {
        await _hostLock.WaitAsync();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_host is { } host)
            {
                Volatile.Write(ref _host, null);
                await host.DisposeAsync();
            }
        }
        finally
        {
            _hostLock.Release();
        }
    }

    /// <summary>Listens again on the same two ports after <see cref="StopListeningAsync"/>.</summary>
    public async Task ListenAgainAsync(CancellationToken cancellation = default)
    {
        await _hostLock.WaitAsync(cancellation);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_host is null)
            {
                Volatile.Write(ref _host, await ReceiverHost.StartAsync(_state, HttpPort, GrpcPort, cancellation));
            }
        }
        finally
        {
            _hostLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _hostLock.WaitAsync();
        try
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            if (_host is { } host)
            {
                Volatile.Write(ref _host, null);
                await host.DisposeAsync();
            }
        }
        finally
        {
            _hostLock.Release();
        }
    }
}
