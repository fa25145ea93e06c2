using System.Text;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Containers;

/// <summary>
/// The name of a container removed before the tracer asked podman for it, from podman's event
/// log: recorded lines, hostile lines, and a real container that podman has removed.
/// </summary>
[TestClass]
public sealed class PodmanEventsLogTests
{
    private const string Id = "9baeb04be483d0190defed7d822dd45b91f62ce56365b48bf20fac8c5789f6f6";
    private const string Other = "1b6428c41c4f062a5414baf985460b448b7cd6c1593ed590728a5187a78683c3";

    private static string Event(string id, string name, string status) =>
        "{\"ID\":\"" + id + "\",\"Image\":\"localhost/shop:1\",\"Name\":\"" + name + "\",\"Status\":\"" + status
        + "\",\"Time\":\"2026-12-07T19:41:53.9Z\",\"Type\":\"container\",\"Attributes\":{}}";

    private static PodmanEventsLog LogOf(string text, int tailBytes = PodmanEventsLog.DefaultTailBytes)
    {
        string path = Path.Combine(TestPaths.ScratchDirectory, $"events-{Guid.NewGuid():N}.log");
        File.WriteAllText(path, text);
        return new PodmanEventsLog(path, tailBytes);
    }

    [TestMethod]
    public void A_removed_container_is_named_by_its_latest_event_and_only_by_its_full_id()
    {
        PodmanEventsLog log = LogOf(string.Join('\n', Event(Id, "orders-1", "create"), Event(Other, "billing", "start"), Event(Id, "orders-renamed", "rename"),
            Event(Id, "orders-renamed", "remove")) + "\n");

        Assert.AreEqual("orders-renamed", log.NameOf(Id));
        Assert.AreEqual("billing", log.NameOf(Other));
        Assert.IsNull(log.NameOf(Id[..12]), "a short id is not an id");
        Assert.IsNull(log.NameOf(new string('a', 64)), "never seen");
        Assert.IsNull(log.NameOf(Id.ToUpperInvariant()), "ids are lower-case hex");
    }

    [TestMethod]
    public void Hostile_or_broken_lines_are_skipped_and_the_tail_is_bounded()
    {
        string huge = $$"""{"ID":"{{Id}}","Name":"{{new string('x', 20_000)}}","Type":"container"}""";
        string longName = $$"""{"ID":"{{Id}}","Name":"{{new string('y', 300)}}","Type":"container"}""";
        string notContainer = $$"""{"ID":"{{Id}}","Name":"an-image","Type":"image"}""";
        string nameInAnotherField = $$"""{"ID":"{{Other}}","Name":"{{Id}}","Type":"container"}""";
        PodmanEventsLog log = LogOf(string.Join('\n', Event(Id, "first", "create"), "{not json " + Id, huge, longName, notContainer, nameInAnotherField, "\0\0\0"));
        Assert.AreEqual("first", log.NameOf(Id), "every later line about it is broken, too long, another type or another container's");

        // Only the tail is read: an event before it does not count.
        PodmanEventsLog tailOnly = LogOf(Event(Id, "old", "create") + "\n" + new string(' ', 4096) + "\n", tailBytes: 1024);
        Assert.IsNull(tailOnly.NameOf(Id));
        Assert.IsNull(new PodmanEventsLog(Path.Combine(TestPaths.ScratchDirectory, "no-such-events.log")).NameOf(Id));
    }

    [TestMethod]
    public void A_fifo_in_place_of_the_log_is_not_waited_on()
    {
        string fifo = Path.Combine(TestPaths.ScratchDirectory, $"events-{Guid.NewGuid():N}.fifo");
        ProcessRunner.Run("mkfifo", [fifo], TimeSpan.FromSeconds(10)).EnsureSuccess("mkfifo");
        var lookup = Task.Run(() => new PodmanEventsLog(fifo).NameOf(Id));
        Assert.IsTrue(lookup.Wait(TimeSpan.FromSeconds(10)), "the lookup returned");
        Assert.IsNull(lookup.Result);
    }

    [TestMethod]
    [TestCategory("Container")]
    public void A_container_podman_removed_is_still_named()
    {
        string podman = Requirements.RootWithPodman();
        // The test machines' podman logs events to a file (no journald); the lookup needs that file.
        Assert.AreEqual("file", ProcessRunner.Run(podman, ["info", "--format", "{{.Host.EventLogger}}"], TimeSpan.FromSeconds(60)).EnsureSuccess("podman info").Stdout.Trim());
        string image = SampleImage.Build();
        string name = $"probes-removed-{Environment.ProcessId}";
        ProcessResult created = ProcessRunner.Run(podman, ["create", "--name", name, image], TimeSpan.FromSeconds(60)).EnsureSuccess("podman create");
        string id = created.Stdout.Trim();
        ProcessRunner.Run(podman, ["rm", "--force", "-t", "0", name], TimeSpan.FromSeconds(60)).EnsureSuccess("podman rm");

        Assert.AreEqual(name, PodmanNames.NameOf(id), "inspect no longer knows it; its events do");
    }
}
