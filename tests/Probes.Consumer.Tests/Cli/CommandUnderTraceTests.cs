using Probes.Consumer.Cli;
using Probes.Consumer.Tracing.Run;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// The exit code of the command under <c>probes phases -- CMD</c> is probes' own exit code, so it
/// must be the command's, every time: the command's exit is watched on one thread while the
/// report is written on another, and both learn of it at the same instant.
/// </summary>
[TestClass]
public sealed class CommandUnderTraceTests
{
    [TestMethod]
    public void The_exit_code_is_the_commands_every_time_while_its_exit_also_stops_the_trace()
    {
        for (int run = 0; run < 150; run++)
        {
            using var stop = new TraceStop();
            using CommandUnderTrace command = CommandUnderTrace.Start(["/bin/sh", "-c", "exit 7"], "/nonexistent/libprobes.so", stop);

            Assert.AreEqual(7, command.WaitForExit(stopReason: null), $"run {run}");
            Assert.IsTrue(stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(30)), "the command's exit stops the trace");
            Assert.AreEqual("command exited with code 7", stop.Reason);
        }
    }

    [TestMethod]
    public void A_terminated_trace_passes_sigterm_on_and_returns_128_plus_15_every_time()
    {
        for (int run = 0; run < 60; run++)
        {
            using var stop = new TraceStop();
            using CommandUnderTrace command = CommandUnderTrace.Start(["/bin/sleep", "60"], "/nonexistent/libprobes.so", stop);
            // SIGTERM before exec would end the runtime's fork child, not sleep: wait for the exec.
            Wait.Until(() => File.ReadAllText($"/proc/{command.Pid}/cmdline").StartsWith("/bin/sleep\0", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "sleep runs");

            Assert.AreEqual(128 + Signals.SIGTERM, command.WaitForExit(stopReason: "terminated"), $"run {run}");
        }
    }
}
