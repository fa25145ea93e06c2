using System.Globalization;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// <c>probes agent</c> against real containers of the sample image: what it serves on /metrics
/// equals what each container reports about itself, whether the container ran before the agent
/// (found by the first scan, counted as first seen late) or started after it (covered from its
/// first probe by the layer file's uprobes, not late); after the grace period the series of removed
/// containers are dropped and files no process maps any more detached, and SIGTERM leaves nothing in the kernel.
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Container")]
[DoNotParallelize]
public sealed class AgentTests
{
    private static readonly TimeSpan Timeout = SampleReplicas.Timeout;
    private const int IntervalMilliseconds = 50;

    [TestMethod]
    public void Containers_before_and_after_the_attach_are_served_with_their_own_counts_and_nothing_is_left_behind()
    {
        string image = SampleImage.Build();
        string podman = Requirements.RootWithPodman();
        using var replicas = new SampleReplicas(podman, image);
        string before = SampleReplicas.NameFor("ag-before");
        string[] after = [SampleReplicas.NameFor("ag-after1"), SampleReplicas.NameFor("ag-after2")];
        string busy = SampleReplicas.NameFor("ag-busy");
        // Waits for a tracer before its startup phases: everything it runs comes after the agent's first scan.
        replicas.Run(before, requests: 100, IntervalMilliseconds);
        HashSet<FileIdentity> shims = replicas.MappedShims();
        (ulong Begin, ulong End) semaphores = SampleReplicas.PhaseSemaphoreOffsets(replicas.Pids[before]);

        // The grace period: how long a removed container's series stay, and a file no process maps stays attached.
        using var agent = new AgentProcess("--grace", "20");
        Assert.AreEqual(System.Net.HttpStatusCode.OK, AgentProcess.Status(agent.Url("/readyz")));
        Assert.AreEqual(System.Net.HttpStatusCode.OK, AgentProcess.Status(agent.Url("/healthz")));
        Assert.AreEqual(System.Net.HttpStatusCode.NotFound, AgentProcess.Status(agent.Url("/other")));
        // Started after the attach and not waiting for a tracer: the image layer's file is attached already.
        foreach (string name in after)
        {
            replicas.Run(name, requests: 6, intervalMilliseconds: 10, waitForTracer: false, waitForShim: false);
        }
        replicas.WaitAll();

        string[] all = [before, .. after];
        Dictionary<string, long> counted = new();
        Dictionary<string, int> own = all.ToDictionary(name => name, replicas.SelfReported);
        Assert.IsTrue(own.Values.All(n => n > 0), "every container reported phases about itself");
        bool Settled()
        {
            counted = agent.CountsPerContainer();
            return all.All(name => counted.GetValueOrDefault(name) == own[name]);
        }
        Wait.Until(Settled, Timeout, "the agent's counts equal the containers' own",
            () => $"own: {Describe(own)}; served: {Describe(counted)}");

        List<Sample> samples = agent.Scrape();
        Assert.AreEqual("0", Single(samples, "probes_agent_events_lost_total").Value);
        Assert.AreEqual("0", Single(samples, "probes_agent_ends_without_begin_total").Value, "no end without its begin: nothing counted twice");
        // One series per container and phase carries the image and the node.
        Sample one = samples.First(s => s.Name == "probes_phase_duration_seconds_count" && s.Label("container") == before);
        Assert.AreEqual(image, one.Label("image"));
        Assert.AreEqual("test-node", one.Label("node"));
        Assert.AreEqual(64, one.Label("container_id").Length);
        var late = samples.Where(s => s.Name == "probes_agent_first_seen_late_total").ToDictionary(s => s.Label("container"), s => s.Value);
        Assert.AreEqual("1", late.GetValueOrDefault(before), $"late: {string.Join(", ", late)}");
        Assert.IsTrue(after.All(name => !late.ContainsKey(name)), $"containers started after the attach are not late: {string.Join(", ", late)}");
        // Cumulative buckets end at the count.
        Sample inf = samples.Single(s => s.Name == "probes_phase_duration_seconds_bucket" && s.Label("container") == before && s.Label("phase") == one.Label("phase")
            && s.Label("status") == one.Label("status") && s.Label("le") == "+Inf");
        Assert.AreEqual(one.Value, inf.Value);

        // Every replica exited: after the grace period their series leave the exposition, and no
        // process having mapped their file meanwhile, the agent detaches from it while it runs.
        Wait.Until(() => SampleReplicas.UprobesOn(agent.Process.Pid, shims).Count == 0, Timeout, "the agent detached from the exited replicas' file",
            () => Describe(SampleReplicas.UprobesOn(agent.Process.Pid, shims)));
        Wait.Until(() => !agent.Scrape().Any(s => all.Contains(s.Label("container"))), Timeout, "the removed containers' series are gone after the grace period");

        // A container running while the agent exits: its semaphores show how many uprobes the kernel holds on its file.
        int busyPid = SampleImage.RunBusy(podman, busy, image);
        replicas.Adopt(busy);
        Wait.Until(() => SampleReplicas.PhaseSemaphores(busyPid, semaphores) == (1, 1), Timeout, "the agent attached to the busy container's file",
            () => $"{SampleReplicas.PhaseSemaphores(busyPid, semaphores)}");
        ProcessResult exit = agent.Stop();
        Assert.AreEqual(0, exit.ExitCode, exit.Stderr);
        StringAssert.Contains(exit.Stderr, "agent stopped (terminated); everything detached");
        Assert.AreEqual(((ushort)0, (ushort)0), SampleReplicas.PhaseSemaphores(busyPid, semaphores), "no uprobe left in the kernel after the agent's exit");
    }

    private static Sample Single(List<Sample> samples, string name) => samples.Single(s => s.Name == name);

    private static string Describe<T>(Dictionary<string, T> values) => string.Join(", ", values.OrderBy(v => v.Key).Select(v => $"{v.Key}={v.Value}"));

    private static string Describe(Dictionary<ulong, int> values) => string.Join(", ", values.OrderBy(v => v.Key).Select(v => $"0x{v.Key.ToString("x", CultureInfo.InvariantCulture)}={v.Value}"));
}
