using Microsoft.Extensions.Hosting;

namespace Probes.HostSample;

internal sealed record WorkerOptions(int Ticks);

/// <summary>A hosted service with slow startup work, the kind a startup timeline should expose.</summary>
internal sealed class CacheWarmer : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.Delay(30, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Does a few units of work, each a phase through the injected API, then stops the host.</summary>
internal sealed class Worker(IProbes probes, WorkerOptions options, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (int tick = 1; tick <= options.Ticks; tick++)
        {
            using (probes.Phase("Worker.Tick"))
            {
                await Task.Delay(10, stoppingToken).ConfigureAwait(false);
            }
        }
        lifetime.StopApplication();
    }
}
