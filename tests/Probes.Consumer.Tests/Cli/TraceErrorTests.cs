using Probes.Consumer.Bpf;
using Probes.Consumer.Cli;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>Every way `probes trace` can be refused ends in one stderr line and a documented exit code.</summary>
[TestClass]
[TestCategory("Cli")]
public sealed class TraceErrorTests
{
    private static void AssertOneLineFailure(ProcessResult result, ExitCode expected, string contains)
    {
        Assert.AreEqual((int)expected, result.ExitCode, result.Stderr);
        string[] lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(1, lines.Length, $"expected one line, got:\n{result.Stderr}");
        StringAssert.StartsWith(lines[0], "probes: error: ");
        StringAssert.Contains(lines[0], contains);
        Assert.AreEqual(string.Empty, result.Stdout);
    }

    [TestMethod]
    public void Unknown_probe_is_not_found()
        => AssertOneLineFailure(ProbesBinary.Run("trace", TestPaths.LibProbes, "--probe", "probes:nope"), ExitCode.NotFound, "no probe matches 'probes:nope'");

    [TestMethod]
    public void Missing_process_is_not_found()
        => AssertOneLineFailure(ProbesBinary.Run("trace", "--pid", "2147483646"), ExitCode.NotFound, "no process with pid 2147483646");

    [TestMethod]
    public void Bad_ring_size_is_a_usage_error()
        => AssertOneLineFailure(ProbesBinary.Run("trace", TestPaths.LibProbes, "--ring-size", "5000"), ExitCode.Usage, "--ring-size must be a power of two");

    [TestMethod]
    public void A_foreign_file_without_probe_selection_is_not_found()
    {
        string fixture = Fixtures.Build(FixtureKind.Pie, "-O2");
        AssertOneLineFailure(ProbesBinary.Run("trace", fixture), ExitCode.NotFound, "choose probes with --probe PROVIDER:NAME");
    }

    [TestMethod]
    public void Trace_and_phases_agree_on_a_target_without_our_probes()
    {
        // Not found (3) for both: the command line is right, the target lacks the probes it asks for by default.
        string fixture = Fixtures.Build(FixtureKind.Pie, "-O2");
        AssertOneLineFailure(ProbesBinary.Run("trace", fixture), ExitCode.NotFound, "has no 'probes' probes");
        AssertOneLineFailure(ProbesBinary.Run("phases", fixture), ExitCode.NotFound, "has no probes:phase_begin/phase_end");
    }

    [TestMethod]
    public void A_verifier_rejection_maps_to_its_own_exit_code_with_the_log_tail()
    {
        var rejection = new BpfVerifierException("usdt_0", 13, "0: (b7) r0 = 0\n1: (95) exit\nR0 !read_ok\n", logTruncated: false);
        Assert.AreEqual(ExitCode.KernelRefused, ErrorReporter.Classify(rejection));
        var console = new CliConsole(new StringWriter(), new StringWriter());
        ErrorReporter.Report(rejection, console);
        StringAssert.Contains(console.Error.ToString(), "R0 !read_ok");
        Assert.AreEqual(1, console.Error.ToString()!.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
