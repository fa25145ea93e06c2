namespace Probes.Sample;

/// <summary>
/// Pretend work with realistic shapes: sync, async across thread hops, nested, faulting.
/// Its phases are declared with [ProbePhase] and woven at build time; Render keeps a manual
/// scope as the example of the runtime API.
/// </summary>
internal sealed class SampleService(SelfReport report, bool fetchChildren = false)
{
    private readonly Dictionary<string, string> _config = new();

    [ProbePhase("Startup")]
    public async Task StartAsync()
    {
        report.Call("LoadConfig", LoadConfig);
        await report.Call("WarmCaches", WarmCachesAsync);
        await report.Call("ConnectDatabase", ConnectDatabaseAsync);
    }

    [ProbePhase("LoadConfig")]
    public void LoadConfig()
    {
        for (int i = 0; i < 100; i++)
        {
            _config[$"key{i}"] = $"value{i}";
        }
        Thread.Sleep(20);
    }

    [ProbePhase("WarmCaches")]
    public async Task WarmCachesAsync()
    {
        // Nested phases that finish on other threads: their parent must still be WarmCaches.
        await Task.WhenAll(Enumerable.Range(0, 3).Select(shard => report.Call("WarmCaches.Fetch", () => FetchAsync(shard))));
    }

    [ProbePhase("WarmCaches.Fetch")]
    private async Task FetchAsync(int shard)
    {
        await Task.Delay(10 + (5 * shard)).ConfigureAwait(false);
        if (fetchChildren)
        {
            // `--fetch-children`: a child phase in each concurrent fetch, on the pool thread the
            // fetch resumed on (a timeline must draw it under its own fetch, not a sibling).
            using var decode = report.Phase("WarmCaches.Fetch.Decode");
            Thread.Sleep(2 + shard);
        }
    }

    [ProbePhase("ConnectDatabase")]
    public async Task ConnectDatabaseAsync()
    {
        await Task.Delay(30).ConfigureAwait(false);
    }

    [ProbePhase("HandleRequest")]
    public async Task HandleRequestAsync(int request)
    {
        try
        {
            await report.Call("Query", () => QueryAsync(request)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The Query phase already ended as faulted; the request carries on without it.
        }
        Render(request);
    }

    // Every 4th query throws: the woven phase ends with status faulted.
    [ProbePhase("Query")]
    private static async Task QueryAsync(int request)
    {
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
