using System.Globalization;
using System.Text.Json;

namespace Probes.Consumer.Tests.Support;

/// <summary>
/// A real Prometheus server (Debian's 2.42; scripts/setup.sh installs it) on a free loopback port,
/// with a temporary storage directory and a scrape config naming one target every second; its
/// HTTP API answers PromQL. Stopped and its directory removed at the end.
/// </summary>
public sealed class PrometheusServer : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly string _directory;
    private readonly LiveProcess _process;
    private readonly int _port;

    public PrometheusServer(string target)
    {
        string prometheus = Requirements.Tool("prometheus");
        _directory = Path.Combine(TestPaths.ScratchDirectory, $"prometheus-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_directory);
        string config = Path.Combine(_directory, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: probes-agent
                static_configs:
                  - targets: ['{target}']
            """);
        _port = AgentProcess.FreePort();
        _process = new LiveProcess(prometheus, [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(_directory, "data")}",
            $"--web.listen-address=127.0.0.1:{_port}", "--log.level=warn"]);
    }

    /// <summary>Waits until the target has been scraped successfully.</summary>
    public void WaitUntilUp(TimeSpan timeout)
    {
        string health = "";
        Wait.Until(() =>
        {
            try
            {
                using JsonDocument targets = Get("/api/v1/targets");
                JsonElement active = targets.RootElement.GetProperty("data").GetProperty("activeTargets");
                health = active.GetArrayLength() == 1 ? active[0].GetProperty("health").GetString() + " " + active[0].GetProperty("lastError").GetString() : "no target";
                return health.StartsWith("up", StringComparison.Ordinal);
            }
            catch (HttpRequestException)
            {
                return false; // not listening yet
            }
        }, timeout, "Prometheus scraped the agent", () => $"{health}; prometheus stderr: {string.Join('\n', _process.Stderr.TakeLast(5))}");
    }

    /// <summary>An instant query's vector: each series' labels and value.</summary>
    public List<(Dictionary<string, string> Labels, double Value)> Query(string promql)
    {
        using JsonDocument answer = Get($"/api/v1/query?query={Uri.EscapeDataString(promql)}");
        Assert.AreEqual("success", answer.RootElement.GetProperty("status").GetString());
        return answer.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(series => (
                series.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal),
                double.Parse(series.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)))
            .ToList();
    }

    private JsonDocument Get(string pathAndQuery) =>
        JsonDocument.Parse(Http.GetStringAsync($"http://127.0.0.1:{_port}{pathAndQuery}").GetAwaiter().GetResult());

    public void Dispose()
    {
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
