using System.CommandLine;
using Probes.Consumer.Tracing.Resolution;
using Probes.Consumer.Tracing.Run;

namespace Probes.Consumer.Cli;

/// <summary>
/// What <c>trace</c> and <c>phases</c> both take, declared and checked once: the target
/// (<see cref="TargetOptions.ForTracing"/>), <c>--duration</c> and <c>--ring-size</c>.
/// </summary>
public sealed class TracingOptions
{
    private TracingOptions(TargetOptions target)
    {
        Target = target;
    }

    public TargetOptions Target { get; }

    public Option<TimeSpan?> Duration { get; } = CommonOptions.Duration();

    public Option<int?> RingSize { get; } = CommonOptions.RingSize(
        $"Ring buffer size in bytes, a power of two from {CommonOptions.MinRingBytes} to 1 GiB (default {TraceRunOptions.DefaultRingBufferBytes >> 20} MiB). Events that do not fit are counted as lost.");

    /// <param name="imageAndAll">Whether the verb takes <c>--image</c> and <c>--all</c> too.</param>
    public static TracingOptions Create(bool imageAndAll) => new(TargetOptions.ForTracing(imageAndAll));

    public void AddTo(Command command)
    {
        Target.AddTo(command);
        command.Options.Add(Duration);
        command.Options.Add(RingSize);
    }

    public TargetRequest Request(ParseResult parse) => Target.Request(parse);

    /// <summary>The traced window, counted from the attach; null runs until stopped.</summary>
    public TimeSpan? DurationOf(ParseResult parse) => parse.GetValue(Duration);

    /// <summary>The run's options: the ring size given, and <paramref name="pollMilliseconds"/> between the loop's other work.</summary>
    public TraceRunOptions RunOptions(ParseResult parse, int pollMilliseconds) => new()
    {
        RingBufferBytes = parse.GetValue(RingSize) ?? TraceRunOptions.DefaultRingBufferBytes,
        PollTimeoutMilliseconds = pollMilliseconds,
    };
}
