using System.Runtime.InteropServices;

namespace Probes.Consumer.Cli;

/// <summary>
/// Ctrl-C (SIGINT), SIGTERM and an optional duration, as one cancellation token. The signals
/// are handled (not left to kill us), so a traced session always detaches and prints its
/// counts on the way out; SIGKILL needs no handler because the kernel closes our descriptors.
/// The duration is the traced window: it runs from <see cref="StartDuration"/>, called once
/// every probe is attached, not from the start of the command (an attach that takes seconds
/// on a loaded machine must not eat the window).
/// </summary>
public sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private readonly TimeSpan? _duration;

    public ShutdownSignal(TimeSpan? duration)
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        _duration = duration;
    }

    /// <summary>Starts the duration, if there is one: call it when every probe is attached.</summary>
    public void StartDuration()
    {
        if (_duration is { } limit)
        {
            _source.CancelAfter(limit);
        }
    }

    public CancellationToken Token => _source.Token;

    /// <summary>Why tracing stopped, for the summary line; null while running or when the duration ran out.</summary>
    public string? Reason { get; private set; }

    public void Stop(string reason)
    {
        Reason ??= reason;
        _source.Cancel();
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _source.Dispose();
    }

    private void Stop(PosixSignalContext context)
    {
        context.Cancel = true; // we exit by ourselves, after detaching
        Stop(context.Signal == PosixSignal.SIGINT ? "interrupted" : "terminated");
    }
}
