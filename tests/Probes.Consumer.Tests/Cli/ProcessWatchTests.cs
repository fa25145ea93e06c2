using System.Globalization;
using Probes.Consumer.Cli;
using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Processes;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// A traced pid is known by its start time and its program's device and inode, captured before
/// discovery: exit, exec and pid reuse are each told apart, on a fake /proc and on real processes.
/// </summary>
[TestClass]
public sealed class ProcessWatchTests
{
    [TestMethod]
    public void A_running_process_has_a_start_time_and_a_zombie_has_none()
    {
        Assert.IsNotNull(ProcessIdentity.ReadStartTime(Environment.ProcessId));
        // A child that exits after its parent (a shell) became sleep, which never reaps it: a zombie.
        // The child waits a moment first, so the shell cannot reap it before the exec.
        using var shell = new LiveProcess("/bin/sh", ["-c", "sh -c 'sleep 0.5; exit 0' & echo $!; exec sleep 5"]);
        int zombie = int.Parse(shell.WaitForStdout("", TimeSpan.FromSeconds(30)), CultureInfo.InvariantCulture); // its first line
        Wait.Until(() => File.ReadAllText($"/proc/{zombie}/stat").Split(") ")[1][0] == 'Z', TimeSpan.FromSeconds(4), $"the child {zombie} is a zombie");
        Assert.IsTrue(File.Exists($"/proc/{zombie}/stat"), "the zombie must still have its /proc entry for this test to mean anything");
        Assert.IsNull(ProcessIdentity.ReadStartTime(zombie), "a zombie is gone for a tracer");
        Assert.IsNull(ProcessIdentity.Capture(zombie));
        shell.Kill();
        Assert.IsNull(ProcessIdentity.ReadStartTime(int.MaxValue - 1));
    }

    [TestMethod]
    public void A_comm_with_spaces_and_parentheses_does_not_shift_the_start_time()
    {
        using var proc = new FakeProcesses();
        proc.Add(42, "a) b (c", startTime: 987654, program: proc.Program("app"));
        Assert.AreEqual("987654", ProcessIdentity.ReadStartTime(42, proc.Root));
    }

    [TestMethod]
    public void An_unchanged_process_is_the_same()
    {
        using var proc = new FakeProcesses();
        proc.Add(42, "app", 1000, proc.Program("app"));
        ProcessIdentity identity = ProcessIdentity.Capture(42, proc.Root)!;
        Assert.AreEqual(new ProcessChange(ProcessChangeKind.None, 42, null), identity.Check(proc.Root));
    }

    [TestMethod]
    public void Exit_exec_and_reuse_are_told_apart()
    {
        using var proc = new FakeProcesses();
        string app = proc.Program("app");
        proc.Add(42, "app", 1000, app);
        ProcessIdentity identity = ProcessIdentity.Capture(42, proc.Root)!;

        // exec: same start time, another program
        string sleep = proc.Program("sleep");
        proc.Add(42, "sleep", 1000, sleep);
        ProcessChange execed = identity.Check(proc.Root);
        Assert.AreEqual(ProcessChangeKind.Execed, execed.Kind);
        Assert.AreEqual($"process 42 exec'd another program ({sleep})", execed.Describe());
        Assert.AreEqual($"process 42 exec'd another program ({sleep})", execed.Describe(beforeAttach: true));

        // reuse: a later start time, whatever the program
        proc.Add(42, "app", 2000, app);
        ProcessChange reused = identity.Check(proc.Root);
        Assert.AreEqual(ProcessChangeKind.Reused, reused.Kind);
        Assert.AreEqual("pid 42 now belongs to another process", reused.Describe());

        // exit: a zombie, then nothing
        proc.Add(42, "app", 1000, app, state: 'Z');
        Assert.AreEqual(ProcessChangeKind.Exited, identity.Check(proc.Root).Kind);
        proc.Remove(42);
        ProcessChange exited = identity.Check(proc.Root);
        Assert.AreEqual("process 42 exited", exited.Describe());
        Assert.AreEqual("process 42 exited before the probes were attached", exited.Describe(beforeAttach: true));
    }

    [TestMethod]
    public void A_program_replaced_by_another_file_at_the_same_path_counts_as_an_exec()
    {
        // The identity is the file's device and inode, not its name: an upgrade in place is another program.
        using var proc = new FakeProcesses();
        string app = proc.Program("app");
        proc.Add(42, "app", 1000, app);
        ProcessIdentity identity = ProcessIdentity.Capture(42, proc.Root)!;
        File.Move(app, app + ".old"); // kept, so the new file cannot reuse its inode number
        File.WriteAllText(app, "new build");
        Assert.AreEqual(ProcessChangeKind.Execed, identity.Check(proc.Root).Kind);
    }

    [TestMethod]
    public void A_missing_pid_fails_as_not_found_before_discovery()
    {
        using var proc = new FakeProcesses();
        var e = Assert.ThrowsExactly<TargetNotFoundException>(() => ProcessWatch.Capture(77, proc.Root));
        Assert.AreEqual("no process with pid 77", e.Message);
    }

    [TestMethod]
    public void The_check_after_the_attach_fails_as_not_found_with_the_reason()
    {
        using var proc = new FakeProcesses();
        proc.Add(42, "app", 1000, proc.Program("app"));
        ProcessIdentity identity = ProcessIdentity.Capture(42, proc.Root)!;
        ProcessWatch.EnsureUnchanged(identity, proc.Root);
        proc.Add(42, "app", 5000, proc.Program("other"));
        var e = Assert.ThrowsExactly<TargetNotFoundException>(() => ProcessWatch.EnsureUnchanged(identity, proc.Root));
        Assert.AreEqual("pid 42 now belongs to another process", e.Message);
        Assert.AreEqual(ExitCode.NotFound, ErrorReporter.Classify(e));
    }

    [TestMethod]
    public void The_watch_reports_a_change_once()
    {
        using var proc = new FakeProcesses();
        proc.Add(42, "app", 1000, proc.Program("app"));
        ProcessIdentity identity = ProcessIdentity.Capture(42, proc.Root)!;
        var reasons = new List<string>();
        using var reported = new ManualResetEventSlim();
        using (ProcessWatch.Start(identity, reason => { lock (reasons) { reasons.Add(reason); } reported.Set(); }, proc.Root))
        {
            proc.Remove(42);
            Assert.IsTrue(reported.Wait(TimeSpan.FromSeconds(30)), "no report");
            Thread.Sleep(ProcessWatch.Interval * 3); // more ticks: still one report
        }
        lock (reasons)
        {
            CollectionAssert.AreEqual(new[] { "process 42 exited" }, reasons);
        }
    }

    [TestMethod]
    public void A_real_exec_keeps_the_start_time_and_changes_the_program()
    {
        // The shell execs sleep when told to; its pid and start time stay, its program changes.
        string sleep = ProcessRunner.Run(Requirements.Tool("readlink"), ["-f", Requirements.Tool("sleep")], TimeSpan.FromSeconds(30)).EnsureSuccess("readlink").Stdout.Trim();
        using var shell = new LiveProcess("/bin/sh", ["-c", $"read line; exec {sleep} 30"]);
        try
        {
            LiveWait(() => File.ReadAllText($"/proc/{shell.Pid}/comm").Trim() == "sh", "the shell started");
            ProcessIdentity identity = ProcessIdentity.Capture(shell.Pid)!;
            Assert.AreEqual(ProcessChangeKind.None, identity.Check().Kind);
            shell.StandardInput.WriteLine("go");
            shell.StandardInput.Flush();
            LiveWait(() => identity.Check().Kind != ProcessChangeKind.None, "the shell exec'd");
            ProcessChange change = identity.Check();
            Assert.AreEqual(ProcessChangeKind.Execed, change.Kind);
            Assert.AreEqual($"process {shell.Pid} exec'd another program ({sleep})", change.Describe());
        }
        finally
        {
            shell.Kill();
        }
    }

    private static void LiveWait(Func<bool> condition, string what) => Wait.Until(condition, TimeSpan.FromSeconds(30), what);
}

/// <summary>
/// A fake /proc of processes for identity checks: per pid a <c>stat</c> line (comm, state,
/// start time in field 22) and an <c>exe</c> link to a real file, so statx sees a device and inode.
/// </summary>
internal sealed class FakeProcesses : IDisposable
{
    public FakeProcesses()
    {
        Root = Path.Combine(Path.GetTempPath(), $"probes-fake-pids-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(Root, "programs"));
    }

    public string Root { get; }

    /// <summary>A file to be a process's program; the same name gives the same file.</summary>
    public string Program(string name)
    {
        string path = Path.Combine(Root, "programs", name);
        if (!File.Exists(path))
        {
            File.WriteAllText(path, name);
        }
        return path;
    }

    public void Add(int pid, string comm, long startTime, string program, char state = 'S')
    {
        string directory = Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(directory);
        // Fields 3..21 as the kernel writes them (values irrelevant here), then starttime (22) and a few more.
        string fields = $"{state} 1 {pid} {pid} 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 {startTime} 1000 200 18446744073709551615";
        File.WriteAllText(Path.Combine(directory, "stat"), $"{pid} ({comm}) {fields}\n");
        string exe = Path.Combine(directory, "exe");
        File.Delete(exe);
        File.CreateSymbolicLink(exe, program);
    }

    public void Remove(int pid) => Directory.Delete(Path.Combine(Root, pid.ToString(CultureInfo.InvariantCulture)), recursive: true);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
