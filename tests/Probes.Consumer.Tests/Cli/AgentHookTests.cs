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
    [DataRow(false, DisplayName = "probes hook")]
    [DataRow(true, DisplayName = "probes-hook (native)")]
    public void A_container_started_through_the_hook_is_counted_from_its_first_phase(bool native)
    {
        string podman = Requirements.RootWithPodman();
        using var replicas = new SampleReplicas(podman, SampleImage.Build());
        string socket = Path.Combine(TestPaths.ScratchDirectory, $"hook-{Guid.NewGuid():N}", "agent.sock");
        string hooks = HooksDirectory(socket, native);
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

    /// <summary>
    /// The second container of an image is answered without a search of its root filesystem (the
    /// shim's path is known) and without reading the shim (its inode, size and time are the attached
    /// file's), and is still counted from its first phase.
    /// </summary>
    [TestMethod]
    public void A_second_container_of_an_image_is_answered_from_what_the_first_taught()
    {
        string podman = Requirements.RootWithPodman();
        using var replicas = new SampleReplicas(podman, SampleImage.Build());
        string socket = Path.Combine(TestPaths.ScratchDirectory, $"hook-{Guid.NewGuid():N}", "agent.sock");
        string hooks = HooksDirectory(socket, native: true);
        using var agent = new AgentProcess("--hook-socket", socket, "--rescan-interval", "60");
        string first = SampleReplicas.NameFor("ag-hook1");
        string second = SampleReplicas.NameFor("ag-hook2");
        replicas.Run(first, requests: 3, intervalMilliseconds: 10, waitForTracer: false, waitForShim: false, podmanOptions: ["--hooks-dir", hooks]);
        replicas.Run(second, requests: 4, intervalMilliseconds: 10, waitForTracer: false, waitForShim: false, podmanOptions: ["--hooks-dir", hooks]);
        replicas.WaitAll();
        int own = replicas.SelfReported(second);

        Dictionary<string, long> counted = new();
        Wait.Until(() => (counted = agent.CountsPerContainer()).GetValueOrDefault(second) == own, Timeout, $"the agent counted the {own} phases {second} reported",
            () => string.Join(", ", counted));
        List<Sample> samples = agent.Scrape();
        string Value(string name, string label, string value) => samples.Single(s => s.Name == name && s.Label(label) == value).Value;
        Assert.AreEqual("1", Value("probes_agent_hook_requests_total", "result", "attached"));
        Assert.AreEqual("1", Value("probes_agent_hook_requests_total", "result", "served"));
        Assert.AreEqual("1", Value("probes_agent_hook_shortcuts_total", "shortcut", "known_path"));
        Assert.AreEqual("1", Value("probes_agent_hook_shortcuts_total", "shortcut", "file_look"));
        Assert.AreEqual(0, agent.Stop().ExitCode);
    }

    [TestMethod]
    [DataRow(false, DisplayName = "probes hook")]
    [DataRow(true, DisplayName = "probes-hook (native)")]
    public void Without_an_agent_the_hook_lets_the_container_start(bool native)
    {
        string podman = Requirements.RootWithPodman();
        using var replicas = new SampleReplicas(podman, SampleImage.Build());
        string hooks = HooksDirectory(Path.Combine(TestPaths.ScratchDirectory, $"hook-{Guid.NewGuid():N}", "nobody-listens.sock"), native);
        string name = SampleReplicas.NameFor("ag-nohook");
        replicas.Run(name, requests: 2, intervalMilliseconds: 10, waitForTracer: false, waitForShim: false, podmanOptions: ["--hooks-dir", hooks]);
        replicas.WaitAll();
        Assert.IsGreaterThan(0, replicas.SelfReported(name), "the container ran its phases");
    }

    /// <summary>A hooks.d folder with one hook: this test run's probes (or the native probes-hook) as a prestart hook asking <paramref name="socket"/>.</summary>
    private static string HooksDirectory(string socket, bool native)
    {
        string directory = Path.Combine(TestPaths.ScratchDirectory, $"hooks-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        string probes = native ? Path.Combine(AppContext.BaseDirectory, "probes-hook") : TestPaths.ProbesExecutable;
        string[] args = native ? ["probes-hook", socket] : ["probes", "hook", "--socket", socket];
        File.WriteAllText(Path.Combine(directory, "probes.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["version"] = "1.0.0",
            ["hook"] = new Dictionary<string, object> { ["path"] = probes, ["args"] = args },
            ["when"] = new Dictionary<string, object> { ["always"] = true },
            ["stages"] = new[] { "prestart" },
        }));
        return directory;
    }
}
