namespace Probes.Sample;

/// <summary>Pretend work with realistic shapes: sync, async across thread hops, nested, faulting.</summary>
internal sealed class SampleService(SelfReport report)
{
    private readonly Dictionary<string, string> _config = new();

    public void LoadConfig()
    {
        using var phase = report.Phase("LoadConfig");
        for (int i = 0; i < 100; i++)
        {
            _config[$"key{i}"] = $"value{i}";
        }
        Thread.Sleep(20);
    }

    public async Task WarmCachesAsync()
    {
        using var phase = report.Phase("WarmCaches");
        // Nested phases on other threads: their parent must still be WarmCaches.
        await Task.WhenAll(Enumerable.Range(0, 3).Select(FetchAsync));
    }

    private async Task FetchAsync(int shard)
    {
        using var phase = report.Phase("WarmCaches.Fetch");
        await Task.Delay(10 + (5 * shard)).ConfigureAwait(false);
    }

    public async Task ConnectDatabaseAsync()
    {
        using var phase = report.Phase("ConnectDatabase");
        await Task.Delay(30).ConfigureAwait(false);
    }

    public async Task HandleRequestAsync(int request)
    {
        using var phase = report.Phase("HandleRequest");
        await QueryAsync(request).ConfigureAwait(false);
        Render(request);
    }

    private static async Task QueryAsync(int request)
    {
        PhaseScope query = Probe.Phase("Query");
        try
        {
            await Task.Delay(5).ConfigureAwait(false);
            if (request % 4 == 0)
            {
                throw new TimeoutException("simulated slow replica");
            }
        }
        catch (TimeoutException)
        {
            // A manual scope reports a fault explicitly; the service carries on.
            query.End(PhaseStatus.Faulted);
        }
        finally
        {
            query.Dispose();
        }
    }

    private static void Render(int request)
    {
        using var phase = Probe.Phase("Render");
        Thread.SpinWait(1000 * (1 + (request % 3)));
    }
}
