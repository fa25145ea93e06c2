using System.Diagnostics;
using Probes.Consumer.Cli;

namespace Probes.Consumer.Tests.Cli;

[TestClass]
public sealed class ProcessWatchTests
{
    [TestMethod]
    public void A_running_process_has_a_start_time_and_a_zombie_has_none()
    {
        Assert.IsNotNull(ProcessWatch.StartTime(Environment.ProcessId));
        // A child that exits after its parent (a shell) became sleep, which never reaps it: a zombie.
        // The child waits a moment first, so the shell cannot reap it before the exec.
        using Process shell = ProcessRunner.Start("/bin/sh", ["-c", "sh -c 'sleep 0.5; exit 0' & echo $!; exec sleep 5"]);
        int zombie = int.Parse(shell.StandardOutput.ReadLine()!, System.Globalization.CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();
        while (File.ReadAllText($"/proc/{zombie}/stat").Split(") ")[1][0] != 'Z' && clock.Elapsed < TimeSpan.FromSeconds(4))
        {
            Thread.Sleep(20);
        }
        Assert.IsTrue(File.Exists($"/proc/{zombie}/stat"), "the zombie must still have its /proc entry for this test to mean anything");
        Assert.IsNull(ProcessWatch.StartTime(zombie), "a zombie is gone for a tracer");
        shell.Kill(entireProcessTree: true);
        Assert.IsNull(ProcessWatch.StartTime(int.MaxValue - 1));
    }
}
