using System.Text.RegularExpressions;
using Probes.Consumer.Tests.Support;
using Probes.Otlp.Receiver;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// An OTLP endpoint that goes away for 30 s and comes back: the traced service keeps its pace,
/// the tracer counts and reports what it dropped, and export resumes by itself.
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Kernel")]
[DoNotParallelize]
public sealed partial class OtlpEndpointDownTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Down = TimeSpan.FromSeconds(30);

    [TestMethod]
    public async Task Thirty_seconds_down_then_up_leaves_the_app_alone_counts_the_drops_and_export_resumes()
    {
        Requirements.Root();
        await using OtlpTestReceiver receiver = await OtlpTestReceiver.StartAsync();
        using LiveProcess sample = SampleProgram.Service.Start("--wait-for-tracer", "60", "--requests", "100000", "--interval-ms", "20", "--self-report");
        sample.WaitForStdout("sample pid=", Timeout);
        using var tracer = new LiveProcess(TestPaths.ProbesExecutable,
            ["phases", "--pid", $"{sample.Pid}", "--format", "json", "--otlp-endpoint", receiver.GrpcEndpoint.ToString(), "--otlp-protocol", "grpc"]);
        tracer.WaitForStderr("attached", Timeout);
        await receiver.WaitForAsync(r => r.SpansNamed("HandleRequest").Count >= 5, Timeout);

        int requestsBefore = Requests(sample);
        var before = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(5));
        double paceUp = (Requests(sample) - requestsBefore) / (DateTimeOffset.UtcNow - before).TotalSeconds;

        await receiver.StopListeningAsync();
        int requestsAtDown = Requests(sample);
        var downAt = DateTimeOffset.UtcNow;
        await Task.Delay(Down);
        double paceDown = (Requests(sample) - requestsAtDown) / (DateTimeOffset.UtcNow - downAt).TotalSeconds;
        Assert.IsFalse(sample.HasExited, "the traced service died while the endpoint was down");
        // The service's pace does not depend on the endpoint (generous: the machine is shared).
        Assert.IsTrue(paceDown >= paceUp * 0.5, $"requests/s: {paceUp:F1} with the endpoint up, {paceDown:F1} while it was down");
        string dropLine = tracer.WaitForStderr("dropped since the last report", TimeSpan.FromSeconds(15));
        StringAssert.Contains(dropLine, "last failure");

        int spansBeforeUp = receiver.Received.SpansNamed("HandleRequest").Count;
        await receiver.ListenAgainAsync();
        await receiver.WaitForAsync(r => r.SpansNamed("HandleRequest").Count >= spansBeforeUp + 5, Timeout);

        tracer.Signal(Signals.SIGTERM);
        tracer.WaitForExit(Timeout);
        Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));
        Match closing = Closing().Match(tracer.Stderr[^1]);
        Assert.IsTrue(closing.Success, tracer.Stderr[^1]);
        Assert.IsTrue(long.Parse(closing.Groups["dropped"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, tracer.Stderr[^1]);
        sample.Signal(Signals.SIGTERM);
    }

    private static int Requests(LiveProcess sample) => sample.Stdout.Count(line => line.Contains("self-report phase=HandleRequest ", StringComparison.Ordinal));

    [GeneratedRegex(@"(?<exported>\d+) spans exported over OTLP, (?<dropped>\d+) dropped")]
    private static partial Regex Closing();
}
