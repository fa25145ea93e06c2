using Probes.Otlp.Proto.Collector.Metrics;
using Probes.Otlp.Proto.Collector.Trace;

namespace Probes.Otlp.Receiver;

/// <summary>What the receiver does with the next request: answer after a delay, refuse or accept.</summary>
internal readonly record struct ReceiverPolicy(bool Refuse, TimeSpan? RetryAfter, TimeSpan Delay);

/// <summary>
/// Everything that outlives one Kestrel host (the receiver can stop listening and start again):
/// the record of requests, the refuse/delay policy, and the signal that wakes waiters.
/// </summary>
internal sealed class ReceiverState
{
    private readonly Lock _gate = new();
    private readonly List<OtlpRequest> _requests = [];
    private TaskCompletionSource _changed = NewSignal();
    private long _sequence;
    private DateTimeOffset _refuseUntil = DateTimeOffset.MinValue;
    private TimeSpan? _retryAfter;
    private TimeSpan _delay;

    public ReceiverState(TimeProvider clock) => Clock = clock;

    public TimeProvider Clock { get; }

    public void Refuse(DateTimeOffset until, TimeSpan? retryAfter)
    {
        lock (_gate)
        {
            _refuseUntil = until;
            _retryAfter = retryAfter;
        }
    }

    public void Accept() => Refuse(DateTimeOffset.MinValue, null);

    public void Delay(TimeSpan delay)
    {
        lock (_gate)
        {
            _delay = delay;
        }
    }

    public ReceiverPolicy CurrentPolicy()
    {
        lock (_gate)
        {
            bool refuse = Clock.GetUtcNow() < _refuseUntil;
            return new ReceiverPolicy(refuse, refuse ? _retryAfter : null, _delay);
        }
    }

    /// <summary>
    /// Records a decoded export under the current policy and waits out the delay, if any.
    /// Returns the policy applied so the transport answers accordingly.
    /// </summary>
    public async Task<ReceiverPolicy> AdmitAsync(
        RequestFacts facts, ExportTraceServiceRequest? traces, ExportMetricsServiceRequest? metrics,
        CancellationToken cancellation)
    {
        ReceiverPolicy policy = CurrentPolicy();
        Record(facts, policy.Refuse ? OtlpOutcome.Refused : OtlpOutcome.Accepted, error: null, traces, metrics);
        if (policy.Delay > TimeSpan.Zero)
        {
            await Task.Delay(policy.Delay, Clock, cancellation).ConfigureAwait(false);
        }
        return policy;
    }

    public void Record(
        RequestFacts facts, OtlpOutcome outcome, string? error,
        ExportTraceServiceRequest? traces = null, ExportMetricsServiceRequest? metrics = null)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _requests.Add(new OtlpRequest(
                ++_sequence, facts.ReceivedAt, facts.Signal, facts.Transport, facts.HttpProtocol, facts.Path,
                facts.ContentType, facts.ContentEncoding, facts.Compressed, facts.WireLength, facts.Headers,
                outcome, error, traces, metrics));
            changed = _changed;
            _changed = NewSignal();
        }
        changed.TrySetResult();
    }

    /// <summary>The requests so far, and a task that completes when the next one is recorded.</summary>
    public (OtlpReceived Snapshot, Task Changed) Snapshot()
    {
        lock (_gate)
        {
            return (new OtlpReceived(_requests.ToArray()), _changed.Task);
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _requests.Clear();
        }
    }

    // Continuations run off the recording thread, so a waiter never runs inside a request.
    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
