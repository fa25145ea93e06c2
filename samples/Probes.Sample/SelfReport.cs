using System.Diagnostics;

namespace Probes.Sample;

/// <summary>
/// Wraps a probe phase with the sample's own Stopwatch, so tests can compare what a tracer
/// measured with what the process measured itself. Off unless --self-report is given.
/// </summary>
internal sealed class SelfReport(bool enabled)
{
    public Measured Phase(string name) => new(this, name, Probe.Phase(name), enabled ? Stopwatch.GetTimestamp() : 0);

    public void Print(string line)
    {
        if (enabled)
        {
            Console.WriteLine(line);
        }
    }

    internal readonly struct Measured(SelfReport owner, string name, PhaseScope scope, long started) : IDisposable
    {
        public ulong SpanId => scope.SpanId;

        public void Dispose()
        {
            scope.Dispose();
            if (started != 0)
            {
                TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
                owner.Print($"self-report phase={name} id=0x{PhaseId.Of(name):x8} span={scope.SpanId} ns={elapsed.Ticks * 100}");
            }
        }
    }
}
