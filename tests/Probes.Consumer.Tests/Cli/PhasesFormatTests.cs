using System.Text.Json;
using Probes.Consumer.Cli;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// One rule for the report format of <c>probes phases</c>: <c>--json</c> (the switch every verb
/// has for JSON on stdout) is <c>--format json</c>, and asking for another format too is a usage
/// error instead of one of them silently winning.
/// </summary>
[TestClass]
public sealed class PhasesFormatTests
{
    [TestMethod]
    [DataRow("table")]
    [DataRow("chrome")]
    public void Json_with_another_format_is_a_usage_error(string format)
    {
        var output = new StringWriter();
        var error = new StringWriter();

        int code = ProbesCli.Run(["phases", TestPaths.LibProbes, "--json", "--format", format], new CliConsole(output, error));

        Assert.AreEqual((int)ExitCode.Usage, code);
        Assert.AreEqual($"probes: error: --json means --format json; it conflicts with --format {format} (see 'probes --help')\n", error.ToString().ReplaceLineEndings("\n"));
        Assert.AreEqual("", output.ToString());
    }

    [TestMethod]
    [TestCategory("Kernel")]
    [DataRow("--json")]
    [DataRow("--json --format json")]
    [DataRow("--format json")]
    public void Json_and_format_json_are_the_same_report(string options)
    {
        Requirements.Root();
        ProcessResult result = ProbesBinary.Run(["phases", TestPaths.LibProbes, "--duration", "0.2", .. options.Split(' ')]);

        Assert.AreEqual(0, result.ExitCode, result.Stderr);
        using JsonDocument report = JsonDocument.Parse(result.Stdout);
        Assert.AreEqual(JsonValueKind.Array, report.RootElement.GetProperty("phases").ValueKind);
    }
}
