using Microsoft.Extensions.Hosting;

namespace Probes.Hosting;

/// <summary>
/// Wraps one hosted service: its StartAsync and StopAsync become phases named after its type,
/// children of <c>Host.Start</c> / <c>Host.Stop</c>. Every lifecycle call is forwarded, so the
/// service behaves exactly as unwrapped; exceptions pass through unchanged after the phase
/// records them as faulted or canceled.
/// </summary>
internal sealed class HostedServicePhases(IHostedService inner, IProbes probes, HostLifecyclePhases? lifecycle) : IHostedLifecycleService
{
    private readonly string _startName = inner.GetType().Name + ".StartAsync";
    private readonly string _stopName = inner.GetType().Name + ".StopAsync";

    public IHostedService Inner => inner;

    public Task StartAsync(CancellationToken cancellationToken) =>
        Run(_startName, lifecycle?.StartPhase ?? default, inner.StartAsync, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) =>
        Run(_stopName, lifecycle?.StopPhase ?? default, inner.StopAsync, cancellationToken);

    public Task StartingAsync(CancellationToken cancellationToken) =>
        inner is IHostedLifecycleService hooks ? hooks.StartingAsync(cancellationToken) : Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) =>
        inner is IHostedLifecycleService hooks ? hooks.StartedAsync(cancellationToken) : Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) =>
        inner is IHostedLifecycleService hooks ? hooks.StoppingAsync(cancellationToken) : Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) =>
        inner is IHostedLifecycleService hooks ? hooks.StoppedAsync(cancellationToken) : Task.CompletedTask;

    private Task Run(string name, PhaseScope parent, Func<CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        if (!probes.IsEnabled)
        {
            return call(cancellationToken);
        }
        return RunTraced(probes.Phase(name, parent), call, cancellationToken);
    }

    private static async Task RunTraced(PhaseScope phase, Func<CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        try
        {
            await call(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            phase.End(PhaseStatus.Canceled);
            throw;
        }
        catch
        {
            phase.End(PhaseStatus.Faulted);
            throw;
        }
        finally
        {
            phase.Dispose();
        }
    }
}
