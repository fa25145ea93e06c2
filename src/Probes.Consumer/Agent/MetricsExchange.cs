namespace Probes.Consumer.Agent;

/// <summary>
/// Hands expositions from the run's thread (the only one that may read the maps and the names
/// the records brought) to the HTTP threads. A scrape takes the last exposition when it is younger
/// than <see cref="MaxAge"/>; otherwise it asks for a new one, which the run's thread builds between
/// two reads of the ring (within its poll interval), and waits for it, bounded. However many
/// scrapes arrive, at most one exposition is built per <see cref="MaxAge"/>, and nothing is built
/// while nobody scrapes. Thread-safe.
/// </summary>
public sealed class MetricsExchange(TimeSpan maxAge, Func<long>? clockMilliseconds = null)
{
    private readonly object _gate = new();
    private readonly Func<long> _clock = clockMilliseconds ?? (() => Environment.TickCount64);
    private TaskCompletionSource<string> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _latest;
    private long _builtAt;
    private volatile bool _wanted;
    private long _lastLoop;

    public TimeSpan MaxAge { get; } = maxAge;

    /// <summary>Whether a scrape waits for a new exposition (read by the run's thread after each poll).</summary>
    public bool Wanted => _wanted;

    /// <summary>The run's loop went round (for /healthz).</summary>
    public void Beat() => Volatile.Write(ref _lastLoop, _clock());

    /// <summary>How long since the run's loop last went round.</summary>
    public TimeSpan SinceLastBeat => TimeSpan.FromMilliseconds(_clock() - Volatile.Read(ref _lastLoop));

    /// <summary>An exposition at most <see cref="MaxAge"/> old, or after <paramref name="wait"/> the last one (null before the first).</summary>
    public async Task<string?> Get(TimeSpan wait, CancellationToken cancellation)
    {
        Task<string> next;
        lock (_gate)
        {
            if (_latest is not null && _clock() - _builtAt < MaxAge.TotalMilliseconds)
            {
                return _latest;
            }
            _wanted = true;
            next = _next.Task;
        }
        try
        {
            return await next.WaitAsync(wait, cancellation).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            lock (_gate)
            {
                return _latest;
            }
        }
    }

    /// <summary>The run's thread publishes a new exposition; waiting scrapes get it.</summary>
    public void Publish(string exposition)
    {
        TaskCompletionSource<string> done;
        lock (_gate)
        {
            _latest = exposition;
            _builtAt = _clock();
            _wanted = false;
            done = _next;
            _next = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        done.TrySetResult(exposition);
    }
}
