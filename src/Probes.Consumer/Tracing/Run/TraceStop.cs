namespace Probes.Consumer.Tracing.Run;

/// <summary>
/// When a <see cref="TraceRun"/> ends, and why: anyone may <see cref="Stop"/> it with a reason
/// (a signal, a watched process that exited, the last traced container removed, a reader that
/// left), and an optional duration ends it without one. The duration is the traced window: it
/// runs from <see cref="StartDuration"/>, which the run calls once every probe is attached, not
/// from the start of the command (an attach that takes seconds on a loaded machine must not eat
/// the window). Thread-safe.
/// </summary>
public sealed class TraceStop(TimeSpan? duration = null) : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private string? _reason;

    public CancellationToken Token => _source.Token;

    /// <summary>Why tracing stopped, for the summary line; null while running or when the duration ran out.</summary>
    public string? Reason => Volatile.Read(ref _reason);

    /// <summary>Starts the duration, if there is one.</summary>
    public void StartDuration()
    {
        if (duration is { } limit)
        {
            _source.CancelAfter(limit);
        }
    }

    /// <summary>Stops the run; the first reason given is the one kept.</summary>
    public void Stop(string reason)
    {
        Interlocked.CompareExchange(ref _reason, reason, null);
        _source.Cancel();
    }

    public void Dispose() => _source.Dispose();
}
