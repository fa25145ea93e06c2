using System.Text.Json;
using Probes.Consumer.Cli;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// <c>phases -o PATH</c> never loses a capture to its output path: a path that cannot be
/// opened fails before anything is attached, and a write that fails at the end (/dev/full)
/// sends the report to stdout, says so, and exits 7. (What the parser catches, an empty path,
/// a directory, a missing directory, is in <see cref="CliErrorTests"/>.)
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Kernel")]
public sealed class ReportOutputTests
{
    [TestMethod]
    public void A_report_that_cannot_be_written_at_the_end_goes_to_stdout_with_exit_code_7()
    {
        Requirements.Root();
        ProcessResult result = ProbesBinary.Run("phases", TestPaths.LibProbes, "--duration", "0.2", "--format", "json", "-o", "/dev/full");

        Assert.AreEqual((int)ExitCode.OutputFailed, result.ExitCode, result.Stderr);
        using JsonDocument report = JsonDocument.Parse(result.Stdout); // the whole report, on stdout
        Assert.AreEqual(JsonValueKind.Array, report.RootElement.GetProperty("phases").ValueKind);
        string[] lines = result.Stderr.TrimEnd('\n').Split('\n');
        StringAssert.StartsWith(lines[0], "probes: attached");
        Assert.AreEqual("probes: error: cannot write the report to /dev/full: No space left on device; writing it to stdout instead", lines[1]);
        StringAssert.Matches(lines[2], new System.Text.RegularExpressions.Regex(@"^probes: \d+ phases completed"));
    }

    [TestMethod]
    public void A_stdout_that_fails_for_another_reason_than_a_closed_pipe_is_exit_code_7()
    {
        Requirements.Root();
        ProcessResult result = ProcessRunner.Run(Requirements.Tool("bash"), ["-c", "\"$0\" phases \"$1\" --duration 0.2 --format json > /dev/full", TestPaths.ProbesExecutable, TestPaths.LibProbes],
            ProbesBinary.Timeout);
        Assert.AreEqual((int)ExitCode.OutputFailed, result.ExitCode, result.Stderr);
        string[] lines = result.Stderr.TrimEnd('\n').Split('\n');
        Assert.AreEqual("probes: error: cannot write the report to stdout: No space left on device", lines[1], result.Stderr);
        StringAssert.EndsWith(lines[2], ", report not written (output failed)");
    }

    [TestMethod]
    public void A_path_that_cannot_be_opened_fails_before_the_attach()
    {
        Requirements.Root();
        // sysfs refuses new files even to root; the parser's checks pass (its directory exists).
        ProcessResult result = ProbesBinary.Run("phases", TestPaths.LibProbes, "--duration", "0.2", "-o", "/sys/report.json");

        Assert.AreEqual((int)ExitCode.OutputFailed, result.ExitCode, result.Stderr);
        Assert.AreEqual("", result.Stdout);
        Assert.AreEqual("probes: error: cannot write the report to /sys/report.json: Access to the path '/sys/report.json' is denied.\n", result.Stderr, "nothing was attached");
    }

    [TestMethod]
    public void A_fifo_is_refused_before_it_could_block()
    {
        string fifo = Path.Combine(TestPaths.ScratchDirectory, $"report-fifo-{Guid.NewGuid():N}");
        ProcessRunner.Run(Requirements.Tool("mkfifo"), [fifo], ProbesBinary.Timeout).EnsureSuccess("mkfifo");
        ProcessResult result = ProbesBinary.Run("phases", TestPaths.LibProbes, "-o", fifo);
        Assert.AreEqual((int)ExitCode.Usage, result.ExitCode, result.Stderr);
        Assert.AreEqual($"probes: error: --output {fifo}: is a FIFO; to send the report to a program, leave out -o and pipe stdout (see 'probes --help')\n", result.Stderr);
    }

    [TestMethod]
    public void A_good_path_gets_the_report_and_stdout_stays_empty()
    {
        Requirements.Root();
        string path = Path.Combine(TestPaths.ScratchDirectory, $"report-{Guid.NewGuid():N}.json");
        ProcessResult result = ProbesBinary.Run("phases", TestPaths.LibProbes, "--duration", "0.2", "--format", "json", "-o", path);
        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        Assert.AreEqual("", result.Stdout);
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(path));
        Assert.AreEqual(JsonValueKind.Array, report.RootElement.GetProperty("phases").ValueKind);
    }
}
