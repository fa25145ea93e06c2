using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// However `probes trace` ends, nothing of it stays behind: the traced process keeps running,
/// its semaphores fall back to 0, and tracefs holds no uprobe of ours (we never write there).
/// </summary>
[TestClass]
[TestCategory("Kernel")]
[DoNotParallelize]
public sealed class TraceCleanupTests
{
    private const string UprobeEvents = "/sys/kernel/tracing/uprobe_events";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [TestMethod]
    [DataRow(Signals.SIGINT, "interrupted")]
    [DataRow(Signals.SIGTERM, "terminated")]
    [DataRow(Signals.SIGKILL, null)]
    public void Nothing_stays_behind_after_the_tracer_stops(int signal, string? reason)
    {
        Requirements.Root();
        EnsureTracefs();
        string before = File.ReadAllText(UprobeEvents);
        using LiveProcess sample = SampleService.Start("--requests", "100000", "--interval-ms", "5");
        sample.WaitForStdout("ready", Timeout);
        ulong begin = SampleService.SemaphoreOffset("phase_begin");
        ulong end = SampleService.SemaphoreOffset("phase_end");
        ushort Semaphore(ulong offset) => sample.ReadMappedUInt16(SampleService.Shim, offset);
        Assert.AreEqual(0, Semaphore(begin));

        using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["trace", "--pid", $"{sample.Pid}", "--json"]);
        tracer.WaitForStderr("attached", Timeout);
        LiveProcess.WaitUntil(() => Semaphore(begin) == 1 && Semaphore(end) == 1, Timeout, "the tracer raised the semaphores");
        tracer.WaitForStdout("HandleRequest", Timeout);

        tracer.Signal(signal);
        tracer.WaitForExit(Timeout);
        if (reason is not null)
        {
            Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));
            StringAssert.Matches(tracer.Stderr[^1], new System.Text.RegularExpressions.Regex($@"^probes: \d+ events, 0 lost \({reason}\)$"));
        }
        else
        {
            Assert.AreEqual(128 + Signals.SIGKILL, tracer.ExitCode);
        }

        LiveProcess.WaitUntil(() => Semaphore(begin) == 0 && Semaphore(end) == 0, Timeout, "the semaphores fell back to 0");
        Assert.AreEqual(before, File.ReadAllText(UprobeEvents), "tracefs uprobe_events changed");
        Assert.IsFalse(sample.HasExited, "the traced process died");
        Assert.AreEqual(0, sample.Stderr.Count, "the traced process complained: " + string.Join('\n', sample.Stderr));
    }

    private static void EnsureTracefs()
    {
        if (!File.Exists(UprobeEvents))
        {
            ProcessRunner.Run(Requirements.Tool("mount"), ["-t", "tracefs", "nodev", "/sys/kernel/tracing"], Timeout).EnsureSuccess("mount tracefs");
        }
    }
}
