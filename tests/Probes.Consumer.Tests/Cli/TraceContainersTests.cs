using System.Text.Json;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// <c>probes trace</c> takes <c>--container</c> more than once, as <c>phases</c> does (one target
/// option for both verbs, one run object behind them): the events of every named container are
/// shown, those of other containers mapping the same file are counted, a container that goes
/// away is said and the others go on, and the last one gone ends the run.
/// </summary>
[TestClass]
[TestCategory("Container")]
[DoNotParallelize]
public sealed class TraceContainersTests
{
    private static readonly TimeSpan Timeout = SampleReplicas.Timeout;
    private const int Requests = 20;
    private const int IntervalMilliseconds = 50;

    [TestMethod]
    public void Trace_of_two_of_three_replicas_shows_both_and_counts_the_third_it_ignored()
    {
        using var replicas = new SampleReplicas(Requirements.RootWithPodman(), SampleImage.Build());
        string[] names = [SampleReplicas.NameFor("m1"), SampleReplicas.NameFor("m2"), SampleReplicas.NameFor("m3")];
        // The first runs longest: its end ends the run, after the second was removed and every event of the third came.
        replicas.Run(names[0], 3 * Requests, IntervalMilliseconds);
        replicas.Run(names[1], Requests, IntervalMilliseconds);
        replicas.Run(names[2], Requests, IntervalMilliseconds);

        using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["trace", "--container", names[0], "--container", names[1], "--json"]);
        Assert.AreEqual("probes: attached 4 probe(s) at 4 site(s) in 1 file(s) of 2 containers; Ctrl-C to stop", tracer.WaitForStderr("attached", Timeout));

        replicas.WaitAll();
        tracer.WaitForExit(Timeout);
        Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));

        var events = tracer.Stdout.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        foreach (string traced in names.Take(2))
        {
            Assert.AreEqual(replicas.SelfReported(traced), events.Count(e => e.GetProperty("container_name").GetString() == traced && e.GetProperty("probe").GetString() == "probes:phase_begin"),
                $"each begin of {traced} shown once");
        }
        Assert.IsFalse(events.Any(e => e.GetProperty("container_name").GetString() == names[2]), "the third replica is not shown");
        CollectionAssert.Contains(tracer.Stderr.ToList(), $"probes: container {names[1]} removed; still tracing 1 container(s)");
        long ignored = 2L * replicas.SelfReported(names[2]) + Requests; // a begin and an end per phase, a mark per request
        Assert.AreEqual($"probes: {events.Count} events, 0 lost, {ignored} from other processes mapping the same file not shown (container {names[0]} removed)", tracer.Stderr[^1]);
    }
}
