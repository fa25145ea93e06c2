using System.Text.Json;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// <c>probes hook</c> as podman's OCI prestart hook (<c>--hooks-dir</c> naming a temporary
/// folder with the hooks.d JSON): the agent attaches to the shim in the container's root
/// filesystem before the container runs, so a container of an image the agent has never seen,
/// which does not wait for a tracer, is counted from its first phase, with scans too rare to find
/// it (one a minute); and with no agent to answer, the container still starts.
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Container")]
[DoNotParallelize]
public sealed class AgentHookTests
{
    private static readonly TimeSpan Timeout = SampleReplicas.Timeout;

    [TestMethod]
    public void A_container_started_through_the_hook_is_counted_from_its_first_phase()
    {
        string podman = Requirements.RootWithPodman();
        using var replicas = new SampleReplicas(podman, SampleImage.Build());
        string socket = Path.Combine(TestPaths.ScratchDirectory, $"hook-{Guid.NewGuid():N}", "agent.sock");
        string hooks = HooksDirectory(socket);
        using var agent = new AgentProcess("--hook-socket", socket, "--rescan-interval", "60");
        string name = SampleReplicas.NameFor("ag-hook");

        var started = System.Diagnostics.Stopwatch.StartNew();
        replicas.Run(name, requests: 6, intervalMilliseconds: 10, waitForTracer: false, waitForShim: false, podmanOptions: ["--hooks-dir", hooks]);
        replicas.WaitAll();
        int own = replicas.SelfReported(name);
        Assert.IsGreaterThan(0, own);

        Dictionary<string, long> counted = new();
        Wait.Until(() => (counted = agent.CountsPerContainer()).GetValueOrDefault(name) == own, Timeout, $"the agent counted the {own} phases {name} reported",
            () => string.Join(", ", counted));
        List<Sample> samples = agent.Scrape();
        Assert.AreEqual("1", samples.Single(s => s.Name == "probes_agent_hook_requests_total" && s.Label("result") == "attached").Value);
        Assert.IsFalse(samples.Any(s => s.Name == "probes_agent_first_seen_late_total" && s.Label("container") == name), "not late: attached before it ran");
        Assert.AreEqual(0, agent.Stop().ExitCode);
    }

    [TestMethod]
    public void Without_an_agent_the_hook_lets_the_container_start()
    {
        string podman = Requirements.RootWithPodman();
        using var replicas = new SampleReplicas(podman, SampleImage.Build());
        string hooks = HooksDirectory(Path.Combine(TestPaths.ScratchDirectory, $"hook-{Guid.NewGuid():N}", "nobody-listens.sock"));
        string name = SampleReplicas.NameFor("ag-nohook");
        replicas.Run(name, requests: 2, intervalMilliseconds: 10, waitForTracer: false, waitForShim: false, podmanOptions: ["--hooks-dir", hooks]);
        replicas.WaitAll();
        Assert.IsGreaterThan(0, replicas.SelfReported(name), "the container ran its phases");
    }

    /// <summary>A hooks.d folder with one hook: this test run's probes as a prestart hook asking <paramref name="socket"/>.</summary>
    private static string HooksDirectory(string socket)
    {
        string directory = Path.Combine(TestPaths.ScratchDirectory, $"hooks-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        string probes = TestPaths.ProbesExecutable;
        File.WriteAllText(Path.Combine(directory, "probes.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["version"] = "1.0.0",
            ["hook"] = new Dictionary<string, object> { ["path"] = probes, ["args"] = new[] { "probes", "hook", "--socket", socket } },
            ["when"] = new Dictionary<string, object> { ["always"] = true },
            ["stages"] = new[] { "prestart" },
        }));
        return directory;
    }
}
