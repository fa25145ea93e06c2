using System.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace Probes.Hosting;

/// <summary>
/// Turns the generic host's lifecycle into phases and marks. Registered first among the hosted
/// services, so its StartingAsync runs before anyone else's; the host calls these hooks from
/// helper methods whose flow does not reach the services' StartAsync, so the wrapped services
/// take <see cref="StartPhase"/> as their parent explicitly.
/// </summary>
internal sealed class HostLifecyclePhases(IProbes probes) : IHostedLifecycleService
{
    public PhaseScope StartPhase { get; private set; }

    public PhaseScope StopPhase { get; private set; }

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        probes.Mark("Host.Starting", UptimeMilliseconds());
        StartPhase = probes.Phase("Host.Start");
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        StartPhase.Dispose();
        probes.Mark("Host.Started", UptimeMilliseconds());
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        probes.Mark("Host.Stopping", UptimeMilliseconds());
        StopPhase = probes.Phase("Host.Stop");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        StopPhase.Dispose();
        probes.Mark("Host.Stopped", UptimeMilliseconds());
        return Task.CompletedTask;
    }

    // The wall clock is read once, to place the process start on the monotonic clock; every mark
    // after that is monotonic, so a clock step between two marks cannot make uptime go backwards.
    private static readonly long ProcessStartTicks = Environment.TickCount64 - StartedMillisecondsAgo();

    private static long UptimeMilliseconds() => Environment.TickCount64 - ProcessStartTicks;

    private static long StartedMillisecondsAgo()
    {
        using var self = Process.GetCurrentProcess();
        return Math.Max(0, (long)(DateTime.Now - self.StartTime).TotalMilliseconds);
    }
}
