using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// The agent when things go wrong around it: killed with SIGKILL (no cleanup of its own) and
/// restarted, a storm of concurrent scrapes, and a churn of containers coming and going. A
/// container's phase semaphores (the kernel's count of uprobes on its file) tell what the kernel
/// still holds.
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Container")]
[DoNotParallelize]
public sealed class AgentRobustnessTests
{
    private static readonly TimeSpan Timeout = SampleReplicas.Timeout;

    [TestMethod]
    public void After_SIGKILL_nothing_is_left_in_the_kernel_and_a_restarted_agent_picks_up_the_running_container()
    {
        string podman = Requirements.RootWithPodman();
        string image = SampleImage.Build();
        using var replicas = new SampleReplicas(podman, image);
        string busy = SampleReplicas.NameFor("agr-busy");
        int busyPid = SampleImage.RunBusy(podman, busy, image, intervalMilliseconds: 20);
        replicas.Adopt(busy);
        (ulong Begin, ulong End) offsets = SampleReplicas.PhaseSemaphoreOffsets(busyPid);
        string socket = Path.Combine(TestPaths.ScratchDirectory, $"restart-{Guid.NewGuid():N}", "agent.sock");

        using (var first = new AgentProcess("--hook-socket", socket))
        {
            Wait.Until(() => SampleReplicas.PhaseSemaphores(busyPid, offsets) == (1, 1), Timeout, "the first agent attached", () => $"{SampleReplicas.PhaseSemaphores(busyPid, offsets)}");
            Wait.Until(() => first.CountsPerContainer().GetValueOrDefault(busy) > 0, Timeout, "the first agent counts the busy container");
            first.Process.Signal(Signals.SIGKILL);
            first.Process.WaitForExit(Timeout);
        }
        // The kernel drops a killed tracer's uprobes when its descriptors close; the semaphores come down with them.
        Wait.Until(() => SampleReplicas.PhaseSemaphores(busyPid, offsets) == (0, 0), Timeout, "no uprobe left after SIGKILL",
            () => $"{SampleReplicas.PhaseSemaphores(busyPid, offsets)}");
        Assert.IsTrue(File.Exists(socket), "SIGKILL leaves the hook socket's file behind");

        using var second = new AgentProcess("--hook-socket", socket);
        Wait.Until(() => SampleReplicas.PhaseSemaphores(busyPid, offsets) == (1, 1), Timeout, "the restarted agent attached", () => $"{SampleReplicas.PhaseSemaphores(busyPid, offsets)}");
        Dictionary<string, long> counts = new();
        Wait.Until(() => (counts = second.CountsPerContainer()).GetValueOrDefault(busy) > 0, Timeout, "the restarted agent counts the busy container");
        List<Sample> samples = second.Scrape();
        Assert.AreEqual("1", samples.Single(s => s.Name == "probes_agent_first_seen_late_total" && s.Label("container") == busy).Value, "found running by the first scan");
        Assert.AreEqual("none", Ask(socket, "attach /nonexistent-root"), "the restarted agent took over the stale socket");

        ProcessResult exit = second.Stop();
        Assert.AreEqual(0, exit.ExitCode, exit.Stderr);
        Assert.AreEqual(((ushort)0, (ushort)0), SampleReplicas.PhaseSemaphores(busyPid, offsets), "no uprobe left after SIGTERM");
    }

    /// <summary>
    /// 32 clients scraping back to back for 8 s: every scrape answered, at most one exposition
    /// built per second however many scrapes, the agent's memory bounded, and a container that ran
    /// meanwhile counted exactly, nothing lost.
    /// </summary>
    [TestMethod]
    public void A_scrape_storm_is_answered_from_shared_expositions_and_tracing_is_unaffected()
    {
        string podman = Requirements.RootWithPodman();
        using var replicas = new SampleReplicas(podman, SampleImage.Build());
        using var agent = new AgentProcess();
        long rssBefore = RssBytes(agent.Process.Pid);
        string worker = SampleReplicas.NameFor("agr-storm");
        // Waits for the agent's attach before its first phase, so every phase it reports is the agent's to count.
        replicas.Run(worker, requests: 200, intervalMilliseconds: 10);

        ulong expositionsBefore = ulong.Parse(agent.Scrape().Single(s => s.Name == "probes_agent_expositions_total").Value, CultureInfo.InvariantCulture);
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromSeconds(60) };
        var storm = Stopwatch.StartNew();
        int answered = 0, failed = 0;
        Task.WaitAll(Enumerable.Range(0, 32).Select(clientIndex => Task.Run(async () =>
        {
            while (storm.Elapsed < TimeSpan.FromSeconds(8))
            {
                using HttpResponseMessage response = await client.GetAsync(agent.Url("/metrics"));
                _ = await response.Content.ReadAsStringAsync();
                Interlocked.Increment(ref response.StatusCode == HttpStatusCode.OK ? ref answered : ref failed);
            }
        })).ToArray());
        double seconds = storm.Elapsed.TotalSeconds;
        ulong built = ulong.Parse(agent.Scrape().Single(s => s.Name == "probes_agent_expositions_total").Value, CultureInfo.InvariantCulture) - expositionsBefore;
        long rssAfter = RssBytes(agent.Process.Pid);

        Assert.AreEqual(0, failed);
        Assert.IsGreaterThan(100, answered, "the storm was a storm");
        Assert.IsLessThanOrEqualTo((ulong)Math.Ceiling(seconds) + 2, built, $"{answered} scrapes in {seconds:F1} s built {built} expositions");
        Assert.IsLessThan(rssBefore + (64L << 20), rssAfter, $"RSS {rssBefore >> 20} MiB before, {rssAfter >> 20} MiB after {answered} scrapes");

        replicas.WaitAll();
        int own = replicas.SelfReported(worker);
        Dictionary<string, long> counts = new();
        Wait.Until(() => (counts = agent.CountsPerContainer()).GetValueOrDefault(worker) == own, Timeout, $"the agent counted the {own} phases {worker} reported",
            () => $"{counts.GetValueOrDefault(worker)}; {string.Join(", ", agent.Scrape().Where(s => s.Name.StartsWith("probes_agent_", StringComparison.Ordinal) && !s.Name.Contains("late", StringComparison.Ordinal)).Select(s => $"{s.Name}={s.Value}"))}");
        Assert.AreEqual("0", agent.Scrape().Single(s => s.Name == "probes_agent_events_lost_total").Value);
        Assert.AreEqual(0, agent.Stop().ExitCode);
        Console.WriteLine($"storm: {answered} scrapes in {seconds:F1} s, {built} expositions built, RSS {rssBefore >> 20} -> {rssAfter >> 20} MiB");
    }

    /// <summary>
    /// Containers started and removed in batches (<see cref="ChurnBatches"/> of
    /// <see cref="ChurnBatchSize"/>, about a minute here by default): each one's phases are served while it
    /// ran, exactly and nothing lost; after the grace period every series of them is gone, the
    /// agent holds no uprobe on their file, and its memory stays flat.
    /// </summary>
    [TestMethod]
    public void A_churn_of_containers_is_served_while_they_run_and_leaves_nothing_behind()
    {
        string podman = Requirements.RootWithPodman();
        using var replicas = new SampleReplicas(podman, SampleImage.Build());
        using var agent = new AgentProcess("--grace", "10");
        var rss = new List<long>();
        var all = new List<string>();
        HashSet<Probes.Consumer.Targets.Files.FileIdentity>? shims = null;
        var timer = Stopwatch.StartNew();
        for (int batch = 0; batch < ChurnBatches; batch++)
        {
            string[] names = Enumerable.Range(0, ChurnBatchSize).Select(i => SampleReplicas.NameFor($"agr-churn{batch}x{i}")).ToArray();
            foreach (string name in names)
            {
                // Each waits for the agent's uprobes before its first phase (at once when the image's file is
                // attached already); the first one also for its shim mapping, to learn the file's identity.
                replicas.Run(name, requests: 4, intervalMilliseconds: 5, waitForShim: shims is null);
                shims ??= replicas.MappedShims();
            }
            ProcessRunner.Run(podman, ["wait", .. names], Timeout).EnsureSuccess("podman wait");
            Dictionary<string, int> own = names.ToDictionary(name => name, replicas.SelfReported);
            Dictionary<string, long> counts = new();
            Wait.Until(() => { counts = agent.CountsPerContainer(); return own.All(o => counts.GetValueOrDefault(o.Key) == o.Value); }, Timeout,
                $"batch {batch} served with its own counts", () => $"own: {string.Join(", ", own)}; served: {string.Join(", ", counts.Where(c => own.ContainsKey(c.Key)))}");
            ProcessRunner.Run(podman, ["rm", "--force", "--ignore", "-t", "0", .. names], Timeout);
            all.AddRange(names);
            rss.Add(RssBytes(agent.Process.Pid));
        }
        TimeSpan churn = timer.Elapsed;
        List<Sample> samples = agent.Scrape();
        Assert.AreEqual("0", samples.Single(s => s.Name == "probes_agent_events_lost_total").Value);
        Assert.AreEqual("0", samples.Single(s => s.Name == "probes_agent_ends_without_begin_total").Value);

        var gone = all.ToHashSet(StringComparer.Ordinal);
        Wait.Until(() => !agent.Scrape().Any(s => gone.Contains(s.Label("container"))), Timeout, "every removed container's series dropped after the grace period");
        Wait.Until(() => SampleReplicas.UprobesOn(agent.Process.Pid, shims!).Count == 0, Timeout, "no uprobe left on the containers' file");
        // Flat: the last batch's RSS within 32 MiB of the second's (the first pays for the attach).
        Assert.IsLessThan(rss[1] + (32L << 20), rss[^1], $"RSS by batch (MiB): {string.Join(", ", rss.Select(r => r >> 20))}");
        Assert.AreEqual(0, agent.Stop().ExitCode);
        Console.WriteLine($"churn: {all.Count} containers in {churn.TotalSeconds:F0} s; RSS by batch (MiB): {string.Join(", ", rss.Select(r => r >> 20))}");
    }

    /// <summary>5 batches by default; PROBES_CHURN_BATCHES asks for more (25 for the issue's 100 containers).</summary>
    private static readonly int ChurnBatches = int.TryParse(Environment.GetEnvironmentVariable("PROBES_CHURN_BATCHES"), out int batches) && batches >= 2 ? batches : 5;
    private const int ChurnBatchSize = 4;

    private static string Ask(string socket, string line)
    {
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(socket));
        client.Send(Encoding.UTF8.GetBytes(line + "\n"));
        var buffer = new byte[512];
        int length = 0, read;
        while ((read = client.Receive(buffer, length, buffer.Length - length, SocketFlags.None)) > 0)
        {
            length += read;
            if (Array.IndexOf(buffer, (byte)'\n', 0, length) >= 0)
            {
                break;
            }
        }
        return Encoding.UTF8.GetString(buffer, 0, length).Trim();
    }

    internal static long RssBytes(int pid) =>
        long.Parse(File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}
