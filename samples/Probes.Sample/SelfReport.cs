using System.Diagnostics;

namespace Probes.Sample;

/// <summary>
/// Measures phases with the sample's own Stopwatch, so tests can compare what a tracer
/// measured with what the process measured itself. Off unless --self-report is given.
/// </summary>
internal sealed class SelfReport(bool enabled)
{
    /// <summary>A manual probe phase, measured.</summary>
    public Measured Phase(string name)
    {
        PhaseScope scope = Probe.Phase(name);
        return new(this, name, () => scope.SpanId, scope, enabled ? Stopwatch.GetTimestamp() : 0);
    }

    /// <summary>
    /// Measures the body of a woven [ProbePhase] method; the span is the one the weaver began,
    /// which is the current phase inside the method.
    /// </summary>
    public Measured Measure(string name) =>
        new(this, name, static () => PhaseContext.CurrentSpanId, default, enabled ? Stopwatch.GetTimestamp() : 0);

    /// <summary>Measures a woven phase from its caller; the callee records its span id.</summary>
    public CallMeasurement MeasureCall(string name) => new(this, name, enabled ? Stopwatch.GetTimestamp() : 0);

    public void Print(string line)
    {
        if (enabled)
        {
            Console.WriteLine(line);
        }
    }

    internal readonly struct Measured(SelfReport owner, string name, Func<ulong> spanId, PhaseScope scope, long started) : IDisposable
    {
        public void Dispose()
        {
            ulong span = started != 0 ? spanId() : 0;
            scope.Dispose();
            if (started != 0)
            {
                TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
                owner.Print($"self-report phase={name} id=0x{PhaseId.Of(name):x8} span={span} ns={elapsed.Ticks * 100}");
            }
        }
    }

    internal sealed class CallMeasurement(SelfReport owner, string name, long started) : IDisposable
    {
        public ulong SpanId { get; set; }

        public void Dispose()
        {
            if (started != 0)
            {
                TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
                owner.Print($"self-report phase={name} id=0x{PhaseId.Of(name):x8} span={SpanId} ns={elapsed.Ticks * 100}");
            }
        }
    }
}
