using Probes.Consumer.Bpf.Programs;

namespace Probes.Consumer.Tracing.Run;

/// <summary>Tuning of a <see cref="TraceRun"/>.</summary>
public sealed record TraceRunOptions
{
    /// <summary>8 MiB: what <c>--ring-size</c> defaults to.</summary>
    public const int DefaultRingBufferBytes = 8 << 20;

    /// <summary>The ring buffer every program writes to: a power of two, at least a page. Events that do not fit are counted as lost.</summary>
    public int RingBufferBytes { get; init; } = DefaultRingBufferBytes;

    /// <summary>How long one read of the ring waits for events; the loop's other work (container removals, ticks, stop) waits that long at most.</summary>
    public int PollTimeoutMilliseconds { get; init; } = 100;

    /// <summary>Pair phases in the kernel (<see cref="TraceRun.PhaseMaps"/>); null sends every hit to the ring.</summary>
    public KernelPairingOptions? KernelPairing { get; init; }

    /// <summary>How often <see cref="ITraceConsumer.OnTick"/> is called.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromSeconds(1);
}
