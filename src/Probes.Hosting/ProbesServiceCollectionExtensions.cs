using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Probes;
using Probes.Hosting;

// Where every Microsoft.Extensions.* and most libraries put their Add* extensions: AddProbes is
// found wherever AddHostedService is, without a using of ours.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers probes in a service collection.</summary>
public static class ProbesServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IProbes"/> (unless one is registered already, e.g. a test fake) and,
    /// for generic-host applications, phases for the host's lifecycle and for each hosted
    /// service's start and stop. Call it after your <c>AddHostedService</c> calls: only hosted
    /// services registered by then get their own phases.
    /// </summary>
    public static IServiceCollection AddProbes(this IServiceCollection services, Action<ProbesHostingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new ProbesHostingOptions();
        configure?.Invoke(options);

        services.TryAddSingleton<IProbes>(ProbesClient.Instance);
        if (services.Any(d => d.ServiceType == typeof(AddedMarker)))
        {
            return services; // called twice: wrapping again would nest phases
        }
        services.AddSingleton<AddedMarker>();

        if (options.HostedServicePhases)
        {
            WrapHostedServices(services);
        }
        if (options.HostLifecyclePhases)
        {
            services.AddSingleton(provider => new HostLifecyclePhases(provider.GetRequiredService<IProbes>()));
            // First among hosted services, so its StartingAsync runs before any other service's.
            services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(provider => provider.GetRequiredService<HostLifecyclePhases>()));
        }
        return services;
    }

    private sealed class AddedMarker;

    private static void WrapHostedServices(IServiceCollection services)
    {
        for (int i = 0; i < services.Count; i++)
        {
            ServiceDescriptor original = services[i];
            if (original.ServiceType != typeof(IHostedService) || original.IsKeyedService)
            {
                continue;
            }
            services[i] = ServiceDescriptor.Describe(
                typeof(IHostedService),
                provider => new HostedServicePhases(
                    (IHostedService)Resolve(original, provider),
                    provider.GetRequiredService<IProbes>(),
                    provider.GetService<HostLifecyclePhases>()),
                original.Lifetime);
        }
    }

    private static object Resolve(ServiceDescriptor descriptor, IServiceProvider provider) =>
        descriptor.ImplementationInstance
        ?? descriptor.ImplementationFactory?.Invoke(provider)
        ?? ActivatorUtilities.CreateInstance(provider, descriptor.ImplementationType!);
}
