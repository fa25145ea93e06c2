using System.Text.Json;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// The end-to-end test of the node agent as deployed: the agent's own image
/// (scripts/build-agent-image.sh) runs in a podman container with the host's pid namespace and
/// only the capabilities deploy/kubernetes/daemonset.yaml adds (<see cref="AgentContainer"/>),
/// scraped by a real Prometheus. Sample containers run before the agent, after it, and of an image
/// built after it started, whose startup is caught through the native OCI hook (probes-hook on the
/// host, the agent's socket in a host directory, the container's root reached through
/// /proc/1/root). PromQL's per-container sums equal the own count of each container started with
/// the agent attached, the one found running is served, and every log line is one JSON object.
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Container")]
[DoNotParallelize]
public sealed class AgentContainerTests
{
    private static readonly TimeSpan Timeout = SampleReplicas.Timeout;

    [TestMethod]
    public void The_agent_in_a_container_serves_containers_before_after_and_of_a_new_image_through_the_hook()
    {
        string podman = Requirements.RootWithPodman();
        string image = SampleImage.Build();
        string agentImage = AgentImage.Build();
        using var replicas = new SampleReplicas(podman, image);
        string before = SampleReplicas.NameFor("agc-before"), after = SampleReplicas.NameFor("agc-after"), hooked = SampleReplicas.NameFor("agc-hooked");
        replicas.Run(before, requests: 100, intervalMilliseconds: 50);

        string hookDirectory = Path.Combine(TestPaths.ScratchDirectory, $"agent-run-{Guid.NewGuid():N}");
        Directory.CreateDirectory(hookDirectory);
        // Other processes on the host may make many series (other tests' phase names): a wide bound keeps ours out of the overflow series.
        using var agent = new AgentContainer(podman, agentImage, hookDirectory, "--log-format", "json", "--grace", "120", "--max-series", "1000000");
        using var prometheus = new PrometheusServer($"127.0.0.1:{agent.Port}");
        prometheus.WaitUntilUp(Timeout);

        replicas.Run(after, requests: 6, intervalMilliseconds: 10, waitForTracer: false, waitForShim: false);

        // An image built now: the sample with its shim rewritten (a new file in a new layer, which
        // no scan has seen), started through the hook and not waiting for a tracer.
        string newImage = $"localhost/probes-agent-newimage:{Environment.ProcessId}";
        string builder = SampleReplicas.NameFor("agc-builder");
        try
        {
            replicas.Adopt(builder);
            ProcessRunner.Run(podman, ["--runtime", "runc", "create", "--network", "none", "--name", builder, image], Timeout).EnsureSuccess("podman create");
            replicas.CopyUpShim(builder);
            ProcessRunner.Run(podman, ["commit", "--quiet", builder, newImage], Timeout).EnsureSuccess("podman commit");
            using var fresh = new SampleReplicas(podman, newImage);
            fresh.Run(hooked, requests: 6, intervalMilliseconds: 10, waitForTracer: false, waitForShim: false, podmanOptions: ["--hooks-dir", NativeHooks(hookDirectory)]);
            fresh.WaitAll();
            replicas.WaitAll();

            // Exact for the containers that start with the agent attached (after it, and through the
            // hook); the one that ran before it waits for a tracer, and another tracer on this host
            // (another test's agent) may release it before ours attached, so it is only required.
            string beforeId = IdOf(podman)(before);
            Dictionary<string, int> own = new() { [IdOf(podman)(after)] = replicas.SelfReported(after), [IdOf(podman)(hooked)] = fresh.SelfReported(hooked) };
            Assert.IsTrue(own.Values.All(n => n > 0), "every container reported phases about itself");
            Dictionary<string, double> stored = new();
            Wait.Until(() =>
            {
                stored = prometheus.Query("sum by (container_id) (probes_phase_duration_seconds_count{container_id!=\"\"})")
                    .Where(r => own.ContainsKey(r.Labels["container_id"]) || r.Labels["container_id"] == beforeId).ToDictionary(r => r.Labels["container_id"], r => r.Value);
                return own.All(o => stored.GetValueOrDefault(o.Key) == o.Value) && stored.GetValueOrDefault(beforeId) > 0;
            }, Timeout, "Prometheus has each container's own count", () => $"own: {string.Join(", ", own)}, before {beforeId}; stored: {string.Join(", ", stored)}; "
                + string.Join(", ", agent.Scrape().Where(s => s.Name.StartsWith("probes_agent_", StringComparison.Ordinal) && !s.Name.Contains("late", StringComparison.Ordinal)).Select(s => $"{s.Name}{{{s.Label("result")}}}={s.Value}")));

            List<Sample> samples = agent.Scrape();
            Assert.AreEqual("1", samples.Single(s => s.Name == "probes_agent_hook_requests_total" && s.Label("result") == "attached").Value, agent.Logs());
            string hookedId = IdOf(podman)(hooked);
            Assert.IsFalse(samples.Any(s => s.Name == "probes_agent_first_seen_late_total" && s.Label("container_id") == hookedId), "attached through the hook, before it ran");
            Assert.IsTrue(samples.Any(s => s.Name == "probes_agent_first_seen_late_total" && s.Label("container_id") == IdOf(podman)(before)), "found running by the first scan");
        }
        finally
        {
            ProcessRunner.Run(podman, ["rm", "--force", "--ignore", "-t", "0", hooked], Timeout);
            ProcessRunner.Run(podman, ["rmi", "--force", "--ignore", newImage], Timeout);
        }

        Assert.AreEqual(0, agent.Stop(), agent.Logs());
        string[] lines = agent.Logs().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.IsTrue(lines.Any(l => l.Contains("agent serving", StringComparison.Ordinal)), string.Join('\n', lines));
        foreach (string line in lines)
        {
            using JsonDocument parsed = JsonDocument.Parse(line);
            Assert.IsTrue(parsed.RootElement.TryGetProperty("msg", out _) && parsed.RootElement.TryGetProperty("level", out _), line);
        }
    }

    private static Func<string, string> IdOf(string podman) =>
        name => ProcessRunner.Run(podman, ["inspect", "-f", "{{.Id}}", name], Timeout).EnsureSuccess($"podman inspect {name}").Stdout.Trim();

    /// <summary>A hooks.d folder with the native probes-hook asking the agent's socket in <paramref name="hookDirectory"/>.</summary>
    private static string NativeHooks(string hookDirectory)
    {
        string directory = Path.Combine(TestPaths.ScratchDirectory, $"hooks-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "probes.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["version"] = "1.0.0",
            ["hook"] = new Dictionary<string, object> { ["path"] = Path.Combine(AppContext.BaseDirectory, "probes-hook"), ["args"] = new[] { "probes-hook", Path.Combine(hookDirectory, "agent.sock") } },
            ["when"] = new Dictionary<string, object> { ["always"] = true },
            ["stages"] = new[] { "prestart" },
        }));
        return directory;
    }
}
