using System.Text.Json;
using Probes.Consumer.Cli;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary><c>probes phases -- CMD</c> (start and trace) and <c>--pid P --wait</c>.</summary>
[TestClass]
public sealed class PhasesCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [TestMethod]
    [DataRow("--wait", "--wait waits for the process of --pid")]
    [DataRow("extra-word", "unexpected argument 'extra-word'; a command to trace goes after --")]
    public void Start_and_wait_out_of_place_are_usage_errors(string option, string message)
    {
        var error = new StringWriter();

        int code = ProbesCli.Run(["phases", TestPaths.LibProbes, option], new CliConsole(new StringWriter(), error));

        Assert.AreEqual((int)ExitCode.Usage, code, error.ToString());
        StringAssert.Contains(error.ToString(), message);
    }

    [TestMethod]
    [TestCategory("Kernel")]
    public void A_started_command_is_traced_from_its_first_phase_and_its_output_and_exit_code_pass_through()
    {
        Requirements.Root();
        string report = Path.Combine(TestPaths.ScratchDirectory, "started.json");

        ProcessResult result = ProbesBinary.Run("phases", "--format", "json", "-o", report, "--", SampleService.Dotnet, SampleService.Dll, "--requests", "3", "--interval-ms", "1");

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        StringAssert.Contains(result.Stdout, "sample pid=", "the command's stdout is ours");
        StringAssert.Contains(result.Stderr, "(command exited with code 0)");
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(report));
        var counts = json.RootElement.GetProperty("phases").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("count").GetInt64());
        Assert.AreEqual(1, counts.GetValueOrDefault("Startup"), "the startup, which a tracer attached by pid misses");
        Assert.AreEqual(1, counts.GetValueOrDefault("LoadConfig"));
        Assert.AreEqual(3, counts.GetValueOrDefault("HandleRequest"));
    }

    [TestMethod]
    [TestCategory("Kernel")]
    public void The_exit_code_and_stdin_of_the_command_pass_through_and_a_command_without_a_known_shim_is_not_found()
    {
        Requirements.Root();
        string stdin = Path.Combine(TestPaths.ScratchDirectory, "stdin.txt");
        File.WriteAllText(stdin, "7\n");

        ProcessResult seven = ProcessRunner.Run("/bin/sh", ["-c", $"exec '{TestPaths.ProbesExecutable}' phases '{TestPaths.LibProbes}' -- /bin/sh -c 'read code; exit $code' < '{stdin}'"], Timeout);
        ProcessResult unknown = ProbesBinary.Run("phases", "--", "/bin/true");

        Assert.AreEqual(7, seven.ExitCode, seven.Stderr);
        StringAssert.Contains(seven.Stderr, "(command exited with code 7)");
        Assert.AreEqual(3, unknown.ExitCode, unknown.Stderr);
        StringAssert.Contains(unknown.Stderr, "cannot tell which libprobes.so '/bin/true' will load");
    }

    [TestMethod]
    [TestCategory("Kernel")]
    public void A_sigterm_to_probes_is_passed_on_and_the_command_exit_code_follows_it()
    {
        Requirements.Root();
        using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["phases", TestPaths.LibProbes, "--", "/bin/sleep", "60"]);
        tracer.WaitForStderr("attached", Timeout);
        // The command starts right after the note; it is a child of whichever thread started it.
        int sleep = 0;
        // Signalled once the child runs /bin/sleep. Runs of this test that saw exit 0 instead of 143
        // were two threads of probes reading the command's Process at its exit (CommandUnderTraceTests).
        static bool RunsSleep(int pid)
        {
            try
            {
                return File.ReadAllText($"/proc/{pid}/cmdline").StartsWith("/bin/sleep\0", StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        }
        Wait.Until(() => (sleep = Directory.GetDirectories($"/proc/{tracer.Pid}/task")
            .SelectMany(task => File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(int.Parse).FirstOrDefault(RunsSleep)) > 0, Timeout, "probes started the command");

        tracer.Signal(Signals.SIGTERM);
        tracer.WaitForExit(Timeout);

        Assert.AreEqual(128 + Signals.SIGTERM, tracer.ExitCode, string.Join('\n', tracer.Stderr));
        Assert.IsFalse(Directory.Exists($"/proc/{sleep}"), "the command ended");
        StringAssert.Contains(tracer.Stderr[^1], "(terminated)");
    }

    [TestMethod]
    [TestCategory("Kernel")]
    public void Wait_attaches_once_the_process_maps_the_shim()
    {
        Requirements.Root();
        // The pid stays the shell's through exec; the shim is mapped only after the sleep.
        using var late = new LiveProcess("/bin/sh", ["-c", $"sleep 2; exec '{SampleService.Dotnet}' '{SampleService.Dll}' --requests 40 --interval-ms 50"]);
        using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["phases", "--pid", $"{late.Pid}", "--wait", "--format", "json"]);
        tracer.WaitForExit(Timeout);

        Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));
        StringAssert.Contains(string.Join('\n', tracer.Stderr), $"waiting for pid {late.Pid} to map libprobes.so");
        using JsonDocument json = JsonDocument.Parse(tracer.Result.Stdout);
        // Serving for two seconds after it maps the shim: the requests after the attach are counted (a host-wide agent may have started it earlier).
        long requests = json.RootElement.GetProperty("phases").EnumerateArray().Where(r => r.GetProperty("name").GetString() == "HandleRequest").Sum(r => r.GetProperty("count").GetInt64());
        Assert.IsTrue(requests is > 0 and <= 40, $"{requests} requests");
        StringAssert.Contains(string.Join('\n', tracer.Stderr), $"(process {late.Pid} exited)");
    }
}
