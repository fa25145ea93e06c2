using System.Diagnostics;
using System.Text.Json;
using Probes.Consumer.Cli;
using Probes.Consumer.Tests.Support;
using Probes.Consumer.Tracing.Run;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// <c>--duration</c> is the traced window: it counts from the moment every probe is attached.
/// An attach made slow on purpose (the discovery seam sleeps before it, as a loaded machine
/// would) must not eat the window: the verb still traces for the whole duration after it.
/// </summary>
[TestClass]
[TestCategory("Kernel")]
[DoNotParallelize]
public sealed class DurationWindowTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SlowAttach = TimeSpan.FromSeconds(2);

    [TestMethod]
    public void A_slow_attach_does_not_shorten_the_window()
    {
        Requirements.Root();
        using LiveProcess sample = SampleService.Start("--requests", "100000", "--interval-ms", "5");
        sample.WaitForStdout("ready", Timeout);

        (int exit, string stdout, string stderr, TimeSpan afterAttach) = RunWithSlowAttach(
            "phases", "--pid", $"{sample.Pid}", "--duration", "1", "--format", "json");

        Assert.AreEqual(0, exit, stderr);
        // The timer fires at or after 1 s; a little slack for its granularity.
        Assert.IsGreaterThanOrEqualTo(TimeSpan.FromSeconds(0.95), afterAttach, $"traced for {afterAttach} after the attach\n{stderr}");
        using JsonDocument report = JsonDocument.Parse(stdout);
        long completed = report.RootElement.GetProperty("phases").EnumerateArray().Sum(row => row.GetProperty("count").GetInt64());
        Assert.IsGreaterThan(0L, completed, $"a request every 5 ms for a second, yet no phase:\n{stdout}\n{stderr}");
    }

    [TestMethod]
    public void The_trace_window_also_counts_from_the_attach()
    {
        Requirements.Root();
        (int exit, _, string stderr, TimeSpan afterAttach) = RunWithSlowAttach("trace", TestPaths.LibProbes, "--duration", "1");
        Assert.AreEqual(0, exit, stderr);
        Assert.IsGreaterThanOrEqualTo(TimeSpan.FromSeconds(0.95), afterAttach, $"traced for {afterAttach} after the attach\n{stderr}");
    }

    /// <summary>Runs a verb in this process with the attach delayed; the time is measured from the end of the delay.</summary>
    private static (int Exit, string Stdout, string Stderr, TimeSpan AfterAttach) RunWithSlowAttach(params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        Stopwatch? sinceAttach = null;
        DiscoverySeam.BeforeAttach = () =>
        {
            Thread.Sleep(SlowAttach);
            sinceAttach = Stopwatch.StartNew();
        };
        try
        {
            int exit = ProbesCli.Run(args, new CliConsole(stdout, stderr));
            Assert.IsNotNull(sinceAttach, $"the seam was not reached: {stderr}");
            return (exit, stdout.ToString(), stderr.ToString(), sinceAttach.Elapsed);
        }
        finally
        {
            DiscoverySeam.BeforeAttach = null;
        }
    }
}
