using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Probes.Hosting.Tests;

[TestClass]
[DoNotParallelize]
public sealed class AddProbesTests
{
    [TestCleanup]
    public void NoTracer() => CountingShim.SetTracerAttached(false);

    [TestMethod]
    public void Registers_the_static_api_behind_IProbes()
    {
        using ServiceProvider provider = new ServiceCollection().AddProbes().BuildServiceProvider();
        Assert.AreSame(ProbesClient.Instance, provider.GetRequiredService<IProbes>());
    }

    [TestMethod]
    public void A_replacement_registered_first_is_kept()
    {
        var fake = new RecordingProbes();
        using ServiceProvider provider = new ServiceCollection().AddSingleton<IProbes>(fake).AddProbes().BuildServiceProvider();
        Assert.AreSame(fake, provider.GetRequiredService<IProbes>());
    }

    [TestMethod]
    public void Calling_it_twice_wraps_hosted_services_once()
    {
        var services = new ServiceCollection().AddHostedService<FastService>().AddProbes().AddProbes();
        Assert.AreEqual(2, services.Count(d => d.ServiceType == typeof(IHostedService)), "the lifecycle service and one wrapped service");
    }

    [TestMethod]
    public async Task Host_lifecycle_and_each_hosted_service_become_phases_in_order_with_parents()
    {
        CountingShim.SetTracerAttached(true);
        var probes = new RecordingProbes();
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<IProbes>(probes);
        builder.Services.AddHostedService<FastService>();
        builder.Services.AddHostedService<SlowService>();
        builder.Services.AddProbes();

        using (IHost host = builder.Build())
        {
            await host.StartAsync();
            Assert.IsTrue(host.Services.GetServices<IHostedService>().Count() >= 3);
            await host.StopAsync();
        }

        List<ProbeCall> calls = probes.Calls.ToList();
        CollectionAssert.AreEqual(
            new[]
            {
                "mark Host.Starting", "phase Host.Start", "phase FastService.StartAsync", "phase SlowService.StartAsync", "mark Host.Started",
                "mark Host.Stopping", "phase Host.Stop", "phase SlowService.StopAsync", "phase FastService.StopAsync", "mark Host.Stopped",
            },
            calls.Select(c => $"{c.Kind} {c.Name}").ToList());

        ulong start = calls.Single(c => c.Name == "Host.Start").SpanId;
        ulong stop = calls.Single(c => c.Name == "Host.Stop").SpanId;
        Assert.AreNotEqual(0ul, start);
        Assert.IsTrue(calls.Where(c => c.Name.EndsWith(".StartAsync", StringComparison.Ordinal)).All(c => c.ParentSpanId == start));
        Assert.IsTrue(calls.Where(c => c.Name.EndsWith(".StopAsync", StringComparison.Ordinal)).All(c => c.ParentSpanId == stop));
        Assert.IsTrue(calls.Single(c => c.Name == "Host.Started").Value >= 0, "uptime in milliseconds");
    }

    [TestMethod]
    public async Task A_failing_hosted_service_fails_the_host_exactly_as_without_probes()
    {
        CountingShim.SetTracerAttached(true);
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddHostedService<FailingService>();
        builder.Services.AddProbes();
        using IHost host = builder.Build();

        InvalidOperationException thrown = await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.AreEqual("cannot start", thrown.Message);
        Assert.AreEqual((long)PhaseStatus.Faulted, CountingShim.LastCall.Extra, "the service's phase ended as faulted");
        Assert.AreEqual(CountingShim.EndKind, CountingShim.LastCall.Kind);
    }

    [TestMethod]
    public async Task Without_a_tracer_hosted_services_are_called_directly()
    {
        var probes = new RecordingProbes();
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton<IProbes>(probes);
        builder.Services.AddHostedService<FastService>();
        builder.Services.AddProbes(options => options.HostLifecyclePhases = false);
        using IHost host = builder.Build();
        ulong before = CountingShim.CallCount;
        await host.StartAsync();
        await host.StopAsync();
        Assert.AreEqual(0, probes.Calls.Count(c => c.Kind == "phase"));
        Assert.AreEqual(before, CountingShim.CallCount);
        Assert.IsTrue(FastService.Started, "the wrapped service did not start");
    }

    private sealed class FastService : IHostedService
    {
        public static bool Started { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            Started = true;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class SlowService : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.Delay(20, cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.Delay(5, cancellationToken);
    }

    private sealed class FailingService : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("cannot start");

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
