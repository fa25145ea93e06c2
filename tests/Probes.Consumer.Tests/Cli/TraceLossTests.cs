using System.Globalization;
using System.Text.RegularExpressions;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>A ring buffer too small for a burst loses events, and says exactly how many.</summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Kernel")]
public sealed partial class TraceLossTests
{
    private const long Fired = 200_000;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [TestMethod]
    public void Every_hit_is_either_received_or_counted_lost()
    {
        Requirements.Root();
        string fixture = TraceFixtures.TightLoop;
        // A file target: the fixture starts after the attach, and the kernel raises its semaphore at exec.
        using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["trace", fixture, "--probe", "loop:tick", "--ring-size", "4096"]);
        tracer.WaitForStderr("attached", Timeout);
        ProcessResult run = ProcessRunner.Run(fixture, [$"{Fired}"], Timeout).EnsureSuccess("tight loop fixture");
        Assert.AreEqual($"fired {Fired}", run.Stdout.Trim());

        // The fixture has exited, so every hit is in the ring or counted lost; the tracer drains
        // the ring when it stops, so nothing more needs to arrive before the signal.
        Wait.Until(() => tracer.Stdout.Count > 0, Timeout, "events arrived");
        tracer.Signal(Signals.SIGINT);
        tracer.WaitForExit(Timeout);

        Match summary = Summary().Match(tracer.Stderr[^1]);
        Assert.IsTrue(summary.Success, tracer.Stderr[^1]);
        long received = long.Parse(summary.Groups["events"].Value, CultureInfo.InvariantCulture);
        long lost = long.Parse(summary.Groups["lost"].Value, CultureInfo.InvariantCulture);
        Assert.IsTrue(lost > 0, $"a 4 KiB ring cannot hold a burst of {Fired}, yet nothing was lost");
        Assert.AreEqual(Fired, received + lost, "hits neither received nor counted as lost");
        Assert.AreEqual(received, tracer.Stdout.Count, "every received event is printed");
    }

    [GeneratedRegex(@"^probes: (?<events>\d+) events, (?<lost>\d+) lost")]
    private static partial Regex Summary();
}
