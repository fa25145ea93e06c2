using System.Text;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Tests.Support;
using Probes.Consumer.Tracing;
using Probes.Consumer.Tracing.Resolution;
using Probes.Consumer.Tracing.Run;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Tracing;

/// <summary>
/// The tracing layer's run object used without any CLI: resolve, plan, run, and the consumer
/// gets the events, the reads and the ticks; the run knows why it stopped and what it counted.
/// </summary>
[TestClass]
[TestCategory("Kernel")]
public sealed class TraceRunTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [TestMethod]
    public void A_run_hands_each_event_of_its_target_to_the_consumer_between_reads_and_ticks()
    {
        Requirements.Root();
        string path = Fixtures.Build(FixtureKind.Pie, "-O2");
        using LiveProcess fixture = Fixtures.StartWaiting(path);
        var sink = new CollectingSink();
        TraceTarget target = new TargetResolver(sink).Resolve(new TargetRequest { Pid = fixture.Pid });
        using TracePlan plan = TracePlan.Build(target.Probes, [ProbePattern.Parse("fixture:registers")], [2], target.Pid, target.Description);
        using var stop = new TraceStop(Limit);
        using TraceRun run = TraceRun.Create(target, stop, sink, new TraceRunOptions { PollTimeoutMilliseconds = 20, TickInterval = TimeSpan.FromMilliseconds(100) });
        run.Add(plan);
        run.Start();

        var consumer = new Counting(stop, wanted: 2); // the fixture fires once a second
        run.Run(consumer);

        Assert.AreEqual("seen 2 events", run.StopReason);
        Assert.IsGreaterThanOrEqualTo(2, consumer.Events.Count);
        Assert.AreEqual(consumer.Events.Count, run.Events, "every event read was handed on");
        Assert.AreEqual(0, run.Ignored);
        Assert.AreEqual(0UL, run.Lost);
        foreach ((string probe, int pid, string text, ContainerRef? container) in consumer.Events)
        {
            Assert.AreEqual("fixture:registers", probe);
            Assert.AreEqual(fixture.Pid, pid);
            Assert.AreEqual(path, text, "argument 2 read as the string asked for");
            Assert.IsNull(container, "a host process");
        }
        Assert.IsGreaterThanOrEqualTo(1, consumer.Ticks, "a second of events holds ticks every 100 ms");
        Assert.IsGreaterThan(consumer.Ticks, consumer.Reads, "a read every 20 ms at most, a tick every 100 ms");
        Assert.AreEqual(0, sink.Warnings.Count, string.Join("\n", sink.Warnings));
    }

    [TestMethod]
    public void A_traced_process_that_exits_ends_the_run_with_the_reason()
    {
        Requirements.Root();
        LiveProcess fixture = Fixtures.StartWaiting(Fixtures.Build(FixtureKind.Pie, "-O2"));
        int pid = fixture.Pid;
        var sink = new CollectingSink();
        TraceTarget target = new TargetResolver(sink).Resolve(new TargetRequest { Pid = pid });
        using TracePlan plan = TracePlan.Build(target.Probes, [ProbePattern.Parse("fixture:registers")], [], target.Pid, target.Description);
        using var stop = new TraceStop(Limit);
        using TraceRun run = TraceRun.Create(target, stop, sink);
        run.Add(plan);
        run.Start();

        fixture.Dispose(); // killed and reaped
        run.Run(new Counting(stop, wanted: int.MaxValue));

        Assert.AreEqual($"process {pid} exited", run.StopReason);
    }

    private sealed class Counting(TraceStop stop, int wanted) : ITraceConsumer
    {
        public List<(string Probe, int Pid, string Text, ContainerRef? Container)> Events { get; } = [];

        public int Reads { get; private set; }

        public int Ticks { get; private set; }

        public void OnEvent(UsdtRecord record, TracedProbe probe, ContainerRef? container)
        {
            Events.Add((probe.FullName, record.Pid, record.IsString(2) ? Encoding.UTF8.GetString(record.StringBytes(2)) : "", container));
            if (Events.Count == wanted)
            {
                stop.Stop($"seen {wanted} events");
            }
        }

        public void AfterPoll(int events) => Reads++;

        public void OnTick() => Ticks++;
    }

    private sealed class CollectingSink : IDiagnosticSink
    {
        public List<string> Warnings { get; } = [];

        public void Detail(string message)
        {
        }

        public void Note(string message)
        {
        }

        public void Warning(string message) => Warnings.Add(message);
    }
}
