using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Probes.Consumer.Tests.Support;

/// <summary>One sample of an exposition: its metric name, its labels (unescaped) and its value.</summary>
public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, string Value)
{
    public string Label(string name) => Labels.TryGetValue(name, out string? value) ? value : "";
}

/// <summary>
/// <c>probes agent</c> run by a test on a free loopback port with a short rescan interval,
/// scraped over HTTP; <see cref="Parse"/> reads the text exposition back, escapes and all.
/// </summary>
public sealed partial class AgentProcess : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <param name="extra">More options; a <c>--rescan-interval</c> among them replaces the 0.3 s default of the tests.</param>
    public AgentProcess(params string[] extra)
    {
        Port = FreePort();
        string[] rescan = extra.Contains("--rescan-interval") ? [] : ["--rescan-interval", "0.3"];
        Process = new LiveProcess(TestPaths.ProbesExecutable, ["agent", "--listen", $"127.0.0.1:{Port}", .. rescan, "--node", "test-node", .. extra]);
        Process.WaitForStderr("agent serving", Timeout);
    }

    public int Port { get; }

    public LiveProcess Process { get; }

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    public string ScrapeText()
    {
        using HttpResponseMessage response = Http.GetAsync(Url("/metrics")).GetAwaiter().GetResult();
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
    }

    public List<Sample> Scrape() => Parse(ScrapeText());

    /// <summary>Completed phases per container name, from the histogram's _count series.</summary>
    public Dictionary<string, long> CountsPerContainer() =>
        Scrape().Where(s => s.Name == "probes_phase_duration_seconds_count")
            .GroupBy(s => s.Label("container"))
            .ToDictionary(g => g.Key, g => g.Sum(s => long.Parse(s.Value, CultureInfo.InvariantCulture)));

    public static HttpStatusCode Status(string url)
    {
        using HttpResponseMessage response = Http.GetAsync(url).GetAwaiter().GetResult();
        return response.StatusCode;
    }

    /// <summary>Samples of a text exposition (comment lines skipped), label values unescaped.</summary>
    public static List<Sample> Parse(string exposition)
    {
        var samples = new List<Sample>();
        foreach (string line in exposition.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            int brace = line.IndexOf('{');
            int space = line.LastIndexOf(' ');
            string name = brace < 0 ? line[..space] : line[..brace];
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (brace >= 0)
            {
                int i = brace + 1;
                while (line[i] != '}')
                {
                    int equals = line.IndexOf('=', i);
                    string label = line[i..equals];
                    Assert.AreEqual('"', line[equals + 1], line);
                    var value = new StringBuilder();
                    i = equals + 2;
                    while (line[i] != '"')
                    {
                        if (line[i] == '\\')
                        {
                            i++;
                            value.Append(line[i] switch { 'n' => '\n', '\\' => '\\', '"' => '"', _ => throw new AssertFailedException($"bad escape \\{line[i]} in {line}") });
                        }
                        else
                        {
                            value.Append(line[i]);
                        }
                        i++;
                    }
                    labels[label] = value.ToString();
                    i++;
                    if (line[i] == ',')
                    {
                        i++;
                    }
                }
            }
            samples.Add(new Sample(name, labels, line[(space + 1)..]));
        }
        return samples;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>SIGTERM, and the agent's exit; the result for the caller to check.</summary>
    public ProcessResult Stop() => Process.Stop(Signals.SIGTERM, Timeout);

    public void Dispose() => Process.Dispose();
}
