namespace Probes.Sample;

/// <summary>
/// Pretend work with realistic shapes: sync, async across thread hops, nested, faulting.
/// Its phases are declared with [ProbePhase] and woven at build time; Render keeps a manual
/// scope as the example of the runtime API.
/// </summary>
internal sealed class SampleService(SelfReport report)
{
    private readonly Dictionary<string, string> _config = new();

    [ProbePhase("Startup")]
    public async Task StartAsync()
    {
        using var measured = report.Measure("Startup");
        LoadConfig();
        await WarmCachesAsync();
        await ConnectDatabaseAsync();
    }

    [ProbePhase("LoadConfig")]
    public void LoadConfig()
    {
        using var measured = report.Measure("LoadConfig");
        for (int i = 0; i < 100; i++)
        {
            _config[$"key{i}"] = $"value{i}";
        }
        Thread.Sleep(20);
    }

    [ProbePhase("WarmCaches")]
    public async Task WarmCachesAsync()
    {
        using var measured = report.Measure("WarmCaches");
        // Nested phases that finish on other threads: their parent must still be WarmCaches.
        await Task.WhenAll(Enumerable.Range(0, 3).Select(FetchAsync));
    }

    [ProbePhase("WarmCaches.Fetch")]
    private async Task FetchAsync(int shard)
    {
        using var measured = report.Measure("WarmCaches.Fetch");
        await Task.Delay(10 + (5 * shard)).ConfigureAwait(false);
    }

    [ProbePhase("ConnectDatabase")]
    public async Task ConnectDatabaseAsync()
    {
        using var measured = report.Measure("ConnectDatabase");
        await Task.Delay(30).ConfigureAwait(false);
    }

    [ProbePhase("HandleRequest")]
    public async Task HandleRequestAsync(int request)
    {
        using var measured = report.Measure("HandleRequest");
        // Measured from here, the caller: a Stopwatch inside Query would stop before its
        // exception leaves the method, which is part of the phase as the caller lives it.
        var query = report.MeasureCall("Query");
        try
        {
            await QueryAsync(request, query).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The Query phase already ended as faulted; the request carries on without it.
        }
        finally
        {
            query.Dispose();
        }
        Render(request);
    }

    // Every 4th query throws: the woven phase ends with status faulted.
    [ProbePhase("Query")]
    private static async Task QueryAsync(int request, SelfReport.CallMeasurement measured)
    {
        measured.SpanId = PhaseContext.CurrentSpanId;
        await Task.Delay(5).ConfigureAwait(false);
        if (request % 4 == 0)
        {
            throw new TimeoutException("simulated slow replica");
        }
    }

    // The manual API, for code that cannot take an attribute (a block, a lambda, a loop body).
    private void Render(int request)
    {
        using var phase = report.Phase("Render");
        Thread.SpinWait(1000 * (1 + (request % 3)));
    }
}
