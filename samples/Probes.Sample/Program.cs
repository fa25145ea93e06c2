using System.Diagnostics;
using Probes;
using Probes.Sample;

// A small service with startup phases and a repeating request phase, instrumented with
// [ProbePhase] (woven at build time by Probes.Fody) and one manual scope. Its phases are what
// `probes phases` and bpftrace show.
SampleOptions options;
try
{
    options = SampleOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"Probes.Sample: {e.Message}\n{SampleOptions.Usage}");
    return 2;
}

var report = new SelfReport(options.SelfReport);
Console.WriteLine($"sample pid={Environment.ProcessId} probes={(Probe.NativeLibraryPath ?? "unavailable: " + Probe.UnavailableReason)}");

if (options.WaitForTracerSeconds > 0)
{
    // Lets a test or the demo attach before the startup phases run. `probes` switches the
    // phase_begin semaphore on last, with every program already in place, so the phases may start
    // as soon as it rises. Tracers that raise semaphores before their programs are attached
    // (bpftrace 0.17's perf uprobes) need --settle-ms to see the first phases whole.
    var waited = Stopwatch.StartNew();
    while (!Probe.IsEnabled && waited.Elapsed.TotalSeconds < options.WaitForTracerSeconds)
    {
        Thread.Sleep(10);
    }
    if (Probe.IsEnabled && options.SettleMs > 0)
    {
        Thread.Sleep(options.SettleMs);
    }
    Console.WriteLine(Probe.IsEnabled ? "tracer attached" : "no tracer attached, running anyway");
}

if (options.LoadSeconds > 0)
{
    // The process's CPU time over the load alone (not startup or JIT), so a benchmark can divide it by the phases.
    TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    long ticks = LoadGenerator.Run(TimeSpan.FromSeconds(options.LoadSeconds), options.LoadThreads);
    TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
    Console.WriteLine($"load phases={ticks} cpu_ms={cpu.TotalMilliseconds:F0}");
    return 0;
}

// --otlp-endpoint: the service uses OpenTelemetry itself, as a real one would: each request is an
// activity of its own ActivitySource, exported over OTLP/HTTP; its woven phases run inside it.
using RequestTracing? tracing = options.OtlpEndpoint is { } endpoint ? new RequestTracing(endpoint) : null;
var service = new SampleService(report, options.FetchChildren);
report.Prepare(typeof(SampleService), typeof(Program));
await report.Call("Startup", service.StartAsync);
Console.WriteLine("ready");

for (int request = 1; request <= options.Requests; request++)
{
    using (Activity? activity = tracing?.StartRequest(request))
    {
        await report.Call("HandleRequest", () => service.HandleRequestAsync(request));
    }
    Probe.Mark("RequestsServed", request);
    await Task.Delay(options.IntervalMs);
}
Console.WriteLine("done");
return 0;
