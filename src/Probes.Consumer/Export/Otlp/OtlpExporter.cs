using System.Threading.Channels;

namespace Probes.Consumer.Export.Otlp;

/// <summary>
/// Sends spans and histograms over OTLP from a thread of its own, so tracing never waits on the
/// network: spans go into a bounded queue (<see cref="OtlpSettings.QueueCapacity"/>) and a full
/// queue drops the newest, counted; a request that fails or times out is not retried (the next
/// histograms are cumulative, and spans queue up meanwhile), its spans or data points are counted as
/// dropped; the drops and failures are reported through <paramref name="warn"/> at most once per
/// <see cref="OtlpSettings.DropLogInterval"/>. Thread-safe: <see cref="Offer"/> and
/// <see cref="SetHistograms"/> are called from the run's thread.
/// </summary>
public sealed class OtlpExporter : IAsyncDisposable
{
    private readonly OtlpSettings _settings;
    private readonly string _hostName;
    private readonly Action<string> _warn;
    private readonly ulong _startUnixNs;
    private readonly Channel<ExportedSpan> _queue;
    private readonly OtlpTransport _transport;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private IReadOnlyList<ExportedHistogram>? _histograms;
    private long _queueDrops;
    private long _sendDrops;
    private long _pointDrops;
    private long _failuresLogged;
    private long _pointDropsLogged;
    private long _exported;
    private long _failedRequests;
    private long _dropsLogged;
    private DateTimeOffset _lastLog = DateTimeOffset.MinValue;
    private string? _lastFailure;

    public OtlpExporter(OtlpSettings settings, string hostName, Action<string> warn)
    {
        _settings = settings;
        _hostName = hostName;
        _warn = warn;
        _startUnixNs = UnixNow();
        _queue = Channel.CreateBounded<ExportedSpan>(
            new BoundedChannelOptions(settings.QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true, SingleWriter = true },
            _ => Interlocked.Increment(ref _queueDrops));
        _transport = new OtlpTransport(settings);
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Spans dropped: the queue was full, or their request failed.</summary>
    public long DroppedSpans => Interlocked.Read(ref _queueDrops) + Interlocked.Read(ref _sendDrops);

    /// <summary>Histogram data points whose request failed (the next request carries their counts again: they are cumulative).</summary>
    public long DroppedDataPoints => Interlocked.Read(ref _pointDrops);

    /// <summary>Spans the endpoint accepted.</summary>
    public long ExportedSpans => Interlocked.Read(ref _exported);

    /// <summary>Export requests (spans or metrics) that failed.</summary>
    public long FailedRequests => Interlocked.Read(ref _failedRequests);

    /// <summary>Queues a span; never blocks (a full queue drops it, counted).</summary>
    public void Offer(ExportedSpan span) => _queue.Writer.TryWrite(span);

    /// <summary>The latest cumulative histograms: replaced, not queued, since each supersedes the last.</summary>
    public void SetHistograms(IReadOnlyList<ExportedHistogram> histograms) => Volatile.Write(ref _histograms, histograms);

    private static ulong UnixNow() => (ulong)(DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_settings.ExportInterval, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            await ExportOnceAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task ExportOnceAsync(CancellationToken cancel)
    {
        var batch = new List<ExportedSpan>(_settings.BatchSize);
        while (true)
        {
            batch.Clear();
            while (batch.Count < _settings.BatchSize && _queue.Reader.TryRead(out ExportedSpan? span))
            {
                batch.Add(span);
            }
            if (batch.Count == 0)
            {
                break;
            }
            string? failure = await _transport.SendAsync(_settings.TracesUrl, OtlpEncoder.Traces(batch, _hostName), cancel).ConfigureAwait(false);
            if (failure is null)
            {
                Interlocked.Add(ref _exported, batch.Count);
            }
            else
            {
                Interlocked.Add(ref _sendDrops, batch.Count);
                Failed(failure);
                break; // the endpoint is down: the rest waits for the next interval (or is dropped as the queue fills)
            }
        }
        if (Interlocked.Exchange(ref _histograms, null) is { Count: > 0 } histograms)
        {
            string? failure = await _transport.SendAsync(_settings.MetricsUrl, OtlpEncoder.Metrics(histograms, _hostName, _startUnixNs, UnixNow()), cancel).ConfigureAwait(false);
            if (failure is not null)
            {
                Interlocked.Add(ref _pointDrops, histograms.Count);
                Failed(failure);
            }
        }
        ReportDrops();
    }

    private void Failed(string why)
    {
        Interlocked.Increment(ref _failedRequests);
        _lastFailure = why;
    }

    private void ReportDrops()
    {
        long dropped = DroppedSpans, points = DroppedDataPoints, failures = FailedRequests;
        DateTimeOffset now = DateTimeOffset.UtcNow;
        if ((dropped == _dropsLogged && points == _pointDropsLogged && failures == _failuresLogged) || now - _lastLog < _settings.DropLogInterval)
        {
            return;
        }
        _warn($"OTLP export to {_settings.EndpointForLogs}: {dropped - _dropsLogged} span(s) dropped since the last report ({dropped} in all)"
            + (points > _pointDropsLogged ? $", {points - _pointDropsLogged} metric data point(s) not delivered" : "")
            + (failures > _failuresLogged ? $", {failures - _failuresLogged} request(s) failed" : "")
            + (_lastFailure is { } why ? $"; last failure: {why}" : "; the queue was full"));
        _dropsLogged = dropped;
        _pointDropsLogged = points;
        _failuresLogged = failures;
        _lastLog = now;
    }

    /// <summary>Stops the loop and sends what is queued, waiting at most <paramref name="flushTimeout"/>.</summary>
    public async Task FlushAndStopAsync(TimeSpan flushTimeout)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        using var timeout = new CancellationTokenSource(flushTimeout);
        try
        {
            await ExportOnceAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // the endpoint did not answer in time: what was queued is lost, as counted below
        }
        _lastLog = DateTimeOffset.MinValue;
        ReportDrops();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _loop.ConfigureAwait(false);
        }
        _transport.Dispose();
        _stop.Dispose();
    }
}
