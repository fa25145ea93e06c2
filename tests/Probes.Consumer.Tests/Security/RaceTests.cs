using System.Globalization;
using Probes.Consumer.Cli;
using Probes.Consumer.Tests.Cli;
using Probes.Consumer.Tests.Support;
using Probes.Consumer.Tracing.Run;

namespace Probes.Consumer.Tests.Security;

/// <summary>
/// The target changes under the tracer: a --pid process exits or its pid is taken by another
/// process between discovery and attach (made to happen at that exact moment through the
/// in-process seam), or it execs another program while traced. Each is noticed, said in one
/// line, and the uprobes are detached.
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Kernel")]
[DoNotParallelize]
public sealed class RaceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [TestMethod]
    public void Trace_of_a_process_that_exits_before_the_attach_is_not_found()
    {
        Requirements.Root();
        LiveProcess fixture = Fixtures.StartWaiting(Fixtures.Build(FixtureKind.Pie, "-O2"));
        int pid = fixture.Pid;
        (int exit, string stdout, string stderr) = RunWithSeam(fixture.Dispose, "trace", "--pid", $"{pid}", "--probe", "fixture:registers", "--duration", "30");

        Assert.AreEqual((int)ExitCode.NotFound, exit, stderr);
        Assert.AreEqual($"probes: error: process {pid} exited before the probes were attached\n", stderr);
        Assert.AreEqual("", stdout);
    }

    [TestMethod]
    public void Phases_of_a_process_that_exits_before_the_attach_is_not_found()
    {
        Requirements.Root();
        using LiveProcess sample = SampleService.Start("--requests", "100000", "--interval-ms", "50");
        sample.WaitForStdout("ready", Timeout);
        int pid = sample.Pid;
        (int exit, string stdout, string stderr) = RunWithSeam(() =>
        {
            sample.Signal(Signals.SIGKILL);
            sample.WaitForExit(Timeout); // reaped: the pid is gone, not a zombie
        }, "phases", "--pid", $"{pid}", "--duration", "30", "--format", "json");

        Assert.AreEqual((int)ExitCode.NotFound, exit, stderr);
        Assert.AreEqual($"probes: error: process {pid} exited before the probes were attached\n", stderr);
        Assert.AreEqual("", stdout);
    }

    [TestMethod]
    public void Trace_of_a_pid_taken_by_another_process_before_the_attach_is_not_found()
    {
        Requirements.Root();
        LiveProcess fixture = Fixtures.StartWaiting(Fixtures.Build(FixtureKind.Pie, "-O2"));
        int pid = fixture.Pid;
        LiveProcess? impostor = null;
        try
        {
            (int exit, string stdout, string stderr) = RunWithSeam(() =>
            {
                fixture.Dispose();
                impostor = StartWithPid(pid, "/bin/sleep", "60");
            }, "trace", "--pid", $"{pid}", "--probe", "fixture:registers", "--duration", "30");

            Assert.IsNotNull(impostor, "the seam ran");
            Assert.AreEqual((int)ExitCode.NotFound, exit, stderr);
            Assert.AreEqual($"probes: error: pid {pid} now belongs to another process\n", stderr);
            Assert.AreEqual("", stdout);
            Assert.IsFalse(impostor!.HasExited, "the other process is left alone");
        }
        finally
        {
            impostor?.Dispose();
        }
    }

    [TestMethod]
    public void Trace_of_a_process_that_execs_while_traced_ends_with_the_reason_and_detaches()
    {
        Requirements.Root();
        if (!File.Exists(TraceFixtures.Python))
        {
            Assert.Inconclusive($"needs {TraceFixtures.Python} (Debian's python3.11, which carries stapsdt probes)");
        }
        string sleep = ProcessRunner.Run(Requirements.Tool("readlink"), ["-f", Requirements.Tool("sleep")], Timeout).EnsureSuccess("readlink").Stdout.Trim();
        Dictionary<string, string?> tracefsBefore = TracefsState.Snapshot();
        // python (which has stapsdt probes) waits for a line, then becomes sleep.
        using var python = new LiveProcess(TraceFixtures.Python, ["-c", $"import os, sys; sys.stdin.readline(); os.execv('{sleep}', ['sleep', '60'])"]);
        using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["trace", "--pid", $"{python.Pid}", "--probe", "python:function__entry"]);
        tracer.WaitForStderr("attached", Timeout);

        python.StandardInput.WriteLine("exec now");
        python.StandardInput.Flush();
        tracer.WaitForExit(Timeout);

        Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));
        StringAssert.Matches(tracer.Stderr[^1], new System.Text.RegularExpressions.Regex(
            $@"^probes: \d+ events, 0 lost \(process {python.Pid} exec'd another program \({System.Text.RegularExpressions.Regex.Escape(sleep)}\)\)$"));
        Assert.IsFalse(python.HasExited, "the process (now sleep) keeps running");
        CollectionAssert.AreEqual(tracefsBefore, TracefsState.Snapshot(), "tracefs changed");
    }

    /// <summary>Runs a verb in this process with <paramref name="beforeAttach"/> called between discovery and attach.</summary>
    private static (int Exit, string Stdout, string Stderr) RunWithSeam(Action beforeAttach, params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        bool reached = false;
        DiscoverySeam.BeforeAttach = () =>
        {
            reached = true;
            beforeAttach();
        };
        try
        {
            int exit = ProbesCli.Run(args, new CliConsole(stdout, stderr));
            Assert.IsTrue(reached, $"the seam was not reached: {stderr}");
            return (exit, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            DiscoverySeam.BeforeAttach = null;
        }
    }

    /// <summary>
    /// Starts a process that gets <paramref name="pid"/>, which must be free: the kernel hands out
    /// ns_last_pid + 1 next, unless another fork on the machine takes it first (then retry).
    /// </summary>
    private static LiveProcess StartWithPid(int pid, string file, params string[] args)
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            File.WriteAllText("/proc/sys/kernel/ns_last_pid", (pid - 1).ToString(CultureInfo.InvariantCulture));
            var started = new LiveProcess(file, args);
            if (started.Pid == pid)
            {
                return started;
            }
            started.Dispose();
        }
        Assert.Fail($"could not start a process with pid {pid}: other forks took it every time");
        return null!;
    }
}
