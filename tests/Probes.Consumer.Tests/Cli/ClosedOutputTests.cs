using System.Globalization;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// A tracing verb whose stdout is a pipe stops when the pipe's reader goes (<c>| head -2</c>):
/// within a second, exit 0, every uprobe detached (the semaphores back to 0), as bpftrace and
/// coreutils do. Also when it has nothing to write that could fail: the closed pipe is noticed
/// without a write. Each runs the real binary in a real shell pipeline.
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Kernel")]
[DoNotParallelize]
public sealed class ClosedOutputTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>From the reader's exit to probes' exit; the loop looks every 50-100 ms, detaching three uprobes is quick.</summary>
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(1);

    [TestMethod]
    public void Trace_piped_into_head_ends_when_head_exits_and_detaches()
    {
        Requirements.Root();
        using LiveProcess sample = SampleService.Start("--requests", "100000", "--interval-ms", "5");
        sample.WaitForStdout("ready", Timeout);
        (ulong begin, ulong end) = (SampleService.SemaphoreOffset("phase_begin"), SampleService.SemaphoreOffset("phase_end"));

        Pipeline run = Pipeline.Run(["trace", "--pid", $"{sample.Pid}"], "head -2 > \"$dir/read\"");

        Assert.AreEqual(0, run.ExitCode, run.Stderr);
        Assert.HasCount(2, run.Read.Split('\n', StringSplitOptions.RemoveEmptyEntries), run.Read);
        StringAssert.Matches(run.Stderr.TrimEnd('\n').Split('\n')[^1], new System.Text.RegularExpressions.Regex(@"^probes: \d+ events, 0 lost \(output closed\)$"));
        Assert.IsLessThan(Within, run.ExitAfterReader, $"probes exited {run.ExitAfterReader} after head");
        Assert.AreEqual(0, sample.ReadMappedUInt16(SampleService.Shim, begin), "phase_begin semaphore");
        Assert.AreEqual(0, sample.ReadMappedUInt16(SampleService.Shim, end), "phase_end semaphore");
        Assert.IsFalse(sample.HasExited, "the traced process died");
    }

    [TestMethod]
    public void A_trace_with_no_events_notices_its_reader_leaving()
    {
        // A copy of the shim that no process maps: no event will ever come, so no write can fail.
        Requirements.Root();
        string unmapped = Path.Combine(TestPaths.ScratchDirectory, $"unmapped-{Guid.NewGuid():N}.so");
        File.Copy(TestPaths.LibProbes, unmapped);

        Pipeline run = Pipeline.Run(["trace", unmapped], Pipeline.ExitOnceAttached);

        Assert.AreEqual(0, run.ExitCode, run.Stderr);
        Assert.AreEqual("probes: 0 events, 0 lost (output closed)", run.Stderr.TrimEnd('\n').Split('\n')[^1]);
        Assert.IsLessThan(Within, run.ExitAfterReader, $"probes exited {run.ExitAfterReader} after its reader");
    }

    [TestMethod]
    public void Phases_stops_when_nobody_is_left_to_read_its_report()
    {
        Requirements.Root();
        using LiveProcess sample = SampleService.Start("--requests", "100000", "--interval-ms", "5");
        sample.WaitForStdout("ready", Timeout);
        ulong begin = SampleService.SemaphoreOffset("phase_begin");

        Pipeline run = Pipeline.Run(["phases", "--pid", $"{sample.Pid}", "--format", "json"], Pipeline.ExitOnceAttached);

        Assert.AreEqual(0, run.ExitCode, run.Stderr);
        StringAssert.Matches(run.Stderr.TrimEnd('\n').Split('\n')[^1],
            new System.Text.RegularExpressions.Regex(@"^probes: \d+ phases completed, .*, report not written \(output closed\)$"));
        Assert.IsLessThan(Within, run.ExitAfterReader, $"probes exited {run.ExitAfterReader} after its reader");
        Assert.AreEqual(0, sample.ReadMappedUInt16(SampleService.Shim, begin), "phase_begin semaphore");
        Assert.IsFalse(sample.HasExited, "the traced process died");
    }

    /// <summary>
    /// <c>{ probes ARGS; } | { READER; }</c> in bash, each side noting when it ended
    /// (CLOCK_REALTIME through date, the same clock for both).
    /// </summary>
    private sealed record Pipeline(int ExitCode, string Stderr, string Read, TimeSpan ExitAfterReader)
    {
        /// <summary>A reader that reads nothing and exits once probes says it attached.</summary>
        public const string ExitOnceAttached = "until grep -q attached \"$dir/err\"; do sleep 0.02; done";

        public static Pipeline Run(string[] probesArgs, string reader)
        {
            string dir = Directory.CreateTempSubdirectory("probes-pipe-").FullName;
            try
            {
                string script = "dir=$1; shift\n"
                    + "{ \"$@\" 2> \"$dir/err\"; echo $? > \"$dir/rc\"; date +%s%N > \"$dir/probes-end\"; } | { " + reader + "; date +%s%N > \"$dir/reader-end\"; }\n";
                ProcessRunner.Run(Requirements.Tool("bash"), ["-c", script, "pipeline", dir, TestPaths.ProbesExecutable, .. probesArgs], Timeout)
                    .EnsureSuccess("the pipeline");
                string Read(string name) => File.Exists(Path.Combine(dir, name)) ? File.ReadAllText(Path.Combine(dir, name)) : "";
                long Nanoseconds(string name) => long.Parse(Read(name).Trim(), CultureInfo.InvariantCulture);
                return new Pipeline(int.Parse(Read("rc").Trim(), CultureInfo.InvariantCulture), Read("err"), Read("read"),
                    TimeSpan.FromTicks((Nanoseconds("probes-end") - Nanoseconds("reader-end")) / 100));
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
