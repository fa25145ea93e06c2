namespace Probes.Hosting;

/// <summary>What <see cref="Microsoft.Extensions.DependencyInjection.ProbesServiceCollectionExtensions.AddProbes"/> adds besides <see cref="IProbes"/>.</summary>
public sealed class ProbesHostingOptions
{
    /// <summary>
    /// Phases <c>Host.Start</c> (first StartingAsync to StartedAsync) and <c>Host.Stop</c>, and
    /// marks <c>Host.Starting</c>, <c>Host.Started</c>, <c>Host.Stopping</c>, <c>Host.Stopped</c>
    /// whose value is the process uptime in milliseconds. On by default.
    /// </summary>
    public bool HostLifecyclePhases { get; set; } = true;

    /// <summary>
    /// A phase <c>{Type}.StartAsync</c> / <c>{Type}.StopAsync</c> around each hosted service
    /// registered before <c>AddProbes()</c>. The service is wrapped; code that searches
    /// <c>IEnumerable&lt;IHostedService&gt;</c> for its concrete type sees the wrapper, so turn
    /// this off if yours does. On by default.
    /// </summary>
    public bool HostedServicePhases { get; set; } = true;
}
