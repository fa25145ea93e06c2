using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Probes.Consumer.Tests.Support;

/// <summary>
/// <c>probes agent</c> in a podman container the way deploy/kubernetes/daemonset.yaml runs it as
/// a pod: the host's pid namespace, a read-only root filesystem, all capabilities dropped but the
/// ones the manifest adds (read from the manifest, so the test proves what it asks for), the hook
/// socket's directory from the host. The host's network only so the test can scrape it on loopback
/// (a pod is scraped on its own address).
/// </summary>
public sealed partial class AgentContainer : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly string _podman;

    public AgentContainer(string podman, string image, string hookDirectory, params string[] extra)
    {
        _podman = podman;
        Name = $"probes-agent-ctr-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
        Port = AgentProcess.FreePort();
        ProcessRunner.Run(podman, ["--runtime", "runc", "run", "-d", "--name", Name, "--pid", "host", "--network", "host",
            "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "--read-only", "--cap-drop", "all", "--cap-add", string.Join(',', ManifestCapabilities()),
            "-v", $"{hookDirectory}:/run/probes", image,
            "agent", "--listen", $"127.0.0.1:{Port}", "--node", "test-node", "--rescan-interval", "0.3", "--hook-socket", "/run/probes/agent.sock", .. extra], Timeout)
            .EnsureSuccess($"podman run {Name}");
        try
        {
            Wait.Until(() => Ready(), Timeout, $"{Name} answers /readyz", Logs);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Name { get; }

    public int Port { get; }

    /// <summary>The capabilities the DaemonSet adds (its <c>add: [...]</c> line).</summary>
    public static IReadOnlyList<string> ManifestCapabilities()
    {
        string manifest = File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "kubernetes", "daemonset.yaml"));
        Match add = AddLine().Match(manifest);
        Assert.IsTrue(add.Success, "daemonset.yaml has a capabilities add: [...] line");
        return add.Groups[1].Value.Split(',').Select(c => c.Trim().Trim('"')).ToList();
    }

    public List<Sample> Scrape()
    {
        using HttpResponseMessage response = Http.GetAsync($"http://127.0.0.1:{Port}/metrics").GetAwaiter().GetResult();
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        return AgentProcess.Parse(response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
    }

    /// <summary>Completed phases per container id (podman's names are not in the agent's container: it has no podman).</summary>
    public Dictionary<string, long> CountsPerContainerId() =>
        Scrape().Where(s => s.Name == "probes_phase_duration_seconds_count")
            .GroupBy(s => s.Label("container_id"))
            .ToDictionary(g => g.Key, g => g.Sum(s => long.Parse(s.Value, CultureInfo.InvariantCulture)));

    public string Logs() => ProcessRunner.Run(_podman, ["logs", Name], Timeout).Stderr;

    /// <summary>SIGTERM (podman stop, as the kubelet does), then the agent's exit code.</summary>
    public int Stop()
    {
        ProcessRunner.Run(_podman, ["stop", "-t", "60", Name], Timeout).EnsureSuccess($"podman stop {Name}");
        return int.Parse(ProcessRunner.Run(_podman, ["inspect", "-f", "{{.State.ExitCode}}", Name], Timeout).EnsureSuccess("podman inspect").Stdout.Trim(), CultureInfo.InvariantCulture);
    }

    private bool Ready()
    {
        try
        {
            using HttpResponseMessage response = Http.GetAsync($"http://127.0.0.1:{Port}/readyz").GetAwaiter().GetResult();
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public void Dispose() => ProcessRunner.Run(_podman, ["rm", "--force", "--ignore", "-t", "0", Name], Timeout);

    [GeneratedRegex(@"capabilities:\s*\n\s*drop:.*\n\s*add:\s*\[([^\]]*)\]")]
    private static partial Regex AddLine();
}
