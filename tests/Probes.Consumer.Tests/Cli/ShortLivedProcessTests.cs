using System.Text.Json;
using System.Text.RegularExpressions;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// A process that fires probes and exits before its records are read (a <c>podman exec</c> job,
/// a health check) is attributed to its container by the namespaces the BPF program recorded when
/// it fired, not by a /proc lookup that finds nothing any more. The tracer is stopped (SIGSTOP)
/// while the job runs from start to exit, so every one of its records is read after it has gone:
/// what a busy or delayed consumer sees, made certain.
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Container")]
[DoNotParallelize]
public sealed partial class ShortLivedProcessTests
{
    private static readonly TimeSpan Timeout = SampleReplicas.Timeout;
    private const int SIGCONT = 18, SIGSTOP = 19; // x86-64

    [TestMethod]
    public void Phases_attributes_every_phase_of_an_exec_job_that_exited_before_its_records_were_read()
    {
        using var replicas = new SampleReplicas(Requirements.RootWithPodman(), SampleImage.Build());
        string name = StartIdleContainer(replicas, "ph");
        string report = Path.Combine(TestPaths.ScratchDirectory, $"short-lived-{Guid.NewGuid():N}.json");
        using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["phases", "--container", name, "--format", "json", "--output", report]);
        tracer.WaitForStderr("attached", Timeout);

        int reported = RunJobWhileTracerIsStopped(tracer, name);
        tracer.Signal(Signals.SIGTERM);
        tracer.WaitForExit(Timeout);
        Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));

        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(report));
        Dictionary<string, long> counted = SampleReplicas.CountedPerContainer(json.RootElement);
        Assert.AreEqual(reported, counted.GetValueOrDefault(name), $"counted per container: {string.Join(", ", counted.Select(c => $"{c.Key}={c.Value}"))}");
        Assert.AreEqual(1, counted.Count, "nothing counted under another key");
        Assert.AreEqual(0, json.RootElement.GetProperty("ends_without_begin").GetInt64());
        Assert.AreEqual(0, json.RootElement.GetProperty("unfinished").GetInt64());
        Assert.AreEqual($"probes: {reported} phases completed, 0 events lost, 0 unfinished, 0 ended without a seen begin (terminated)", tracer.Stderr[^1],
            "no event was taken for another container's and ignored");
    }

    [TestMethod]
    public void Trace_shows_every_event_of_an_exec_job_that_exited_before_its_records_were_read()
    {
        using var replicas = new SampleReplicas(Requirements.RootWithPodman(), SampleImage.Build());
        string name = StartIdleContainer(replicas, "tr");
        using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["trace", "--container", name, "--json"]);
        tracer.WaitForStderr("attached", Timeout);

        int reported = RunJobWhileTracerIsStopped(tracer, name);
        tracer.Signal(Signals.SIGTERM);
        tracer.WaitForExit(Timeout);
        Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));

        var events = tracer.Stdout.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.AreEqual(reported, events.Count(e => e.GetProperty("probe").GetString() == "probes:phase_begin"));
        Assert.AreEqual(reported, events.Count(e => e.GetProperty("probe").GetString() == "probes:phase_end"));
        Assert.IsTrue(events.All(e => e.GetProperty("container_name").GetString() == name), "every event names the container");
        Assert.AreEqual($"probes: {events.Count} events, 0 lost (terminated)", tracer.Stderr[^1], "no event was taken for another process's and hidden");
    }

    /// <summary>
    /// A container whose main process ran its startup before the attach and then sleeps through the
    /// test (one request, then a 100 s pause): every traced phase comes from the exec job.
    /// </summary>
    private static string StartIdleContainer(SampleReplicas replicas, string role)
    {
        string name = SampleReplicas.NameFor($"exec-{role}");
        replicas.Run(name, requests: 2, intervalMilliseconds: 100_000, waitForTracer: false);
        replicas.WaitForLog(name, "self-report phase=HandleRequest");
        return name;
    }

    /// <summary>Stops the tracer, runs a short job in the container to its end, lets the tracer go on; the job's self-reported phase count.</summary>
    private static int RunJobWhileTracerIsStopped(LiveProcess tracer, string name)
    {
        Signals.Send(tracer.Pid, SIGSTOP);
        ProcessResult job;
        try
        {
            job = ProcessRunner.Run(Requirements.RootWithPodman(), ["exec", name, "/app/Probes.Sample", "--requests", "3", "--interval-ms", "1", "--self-report"], Timeout)
                .EnsureSuccess("podman exec");
        }
        finally
        {
            Signals.Send(tracer.Pid, SIGCONT);
        }
        int reported = SelfReport().Matches(job.Stdout).Count;
        Assert.IsTrue(reported > 0, "the job reported about itself");
        // What the job left in the ring is read by the tracer's loop or, at the latest, by the
        // drain when it stops: the caller's SIGTERM needs no wait.
        return reported;
    }

    [GeneratedRegex(@"self-report phase=\S+ seq=\d+ ns=\d+")]
    private static partial Regex SelfReport();
}
