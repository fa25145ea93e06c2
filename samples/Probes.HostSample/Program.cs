using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Probes;
using Probes.HostSample;

// A generic-host service whose startup timeline comes from AddProbes() alone: host lifecycle
// phases and one phase per hosted service, without a single attribute or using.
int ticks = 3;
double waitForTracer = 0;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--ticks" when i + 1 < args.Length:
            ticks = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--wait-for-tracer" when i + 1 < args.Length:
            waitForTracer = double.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        default:
            Console.Error.WriteLine($"Probes.HostSample: unknown argument '{args[i]}'\nusage: Probes.HostSample [--ticks N] [--wait-for-tracer SECONDS]");
            return 2;
    }
}

Console.WriteLine($"host sample pid={Environment.ProcessId} probes={Probe.NativeLibraryPath ?? "unavailable: " + Probe.UnavailableReason}");
var waited = Stopwatch.StartNew();
while (waitForTracer > 0 && !Probe.IsEnabled && waited.Elapsed.TotalSeconds < waitForTracer)
{
    Thread.Sleep(10);
}

HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = args });
builder.Services.AddHostedService<CacheWarmer>();
builder.Services.AddSingleton(new WorkerOptions(ticks));
builder.Services.AddHostedService<Worker>();
builder.Services.AddProbes();
using IHost host = builder.Build();
await host.RunAsync();
Console.WriteLine("stopped");
return 0;
