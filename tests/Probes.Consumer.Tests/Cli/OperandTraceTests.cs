using System.Text.Json;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// `probes trace` of the operand fixture (every operand form gcc writes, symbols resolved in
/// PIE, fixed-address and shared builds at -O0/-O2/-O3, thread-locals through %fs, floating
/// point bits, %ah): every decoded value equals what the fixture printed it passed, probe by
/// probe, hit by hit. A stripped build keeps what it can: the probes whose symbols are gone are
/// named in one line and skipped, the others traced; selecting only those fails with exit 4.
/// </summary>
[TestClass]
[TestCategory("Cli")]
[TestCategory("Kernel")]
[DoNotParallelize]
public sealed class OperandTraceTests
{
    private const int Iterations = 4;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static IEnumerable<object[]> Variants => OperandFixture.Variants;

    [TestInitialize]
    public void RequireRootAndCompiler()
    {
        Requirements.Root();
        Requirements.Tool("gcc");
    }

    [TestMethod]
    [DynamicData(nameof(Variants))]
    public void Traced_arguments_equal_what_the_fixture_passed(FixtureKind kind, string optimisation)
    {
        OperandFixture fixture = OperandFixture.Build(kind, optimisation);
        (Dictionary<string, List<string>> expected, Dictionary<string, List<string>> actual, LiveProcess ours) = TraceFixture(fixture, "operands:*");
        using (ours)
        {
            Assert.IsFalse(ours.Stderr.Any(line => line.Contains("skipping", StringComparison.Ordinal)), string.Join('\n', ours.Stderr));
            foreach (string probe in OperandFixture.ProbeNames)
            {
                Assert.HasCount(Iterations, expected[probe], $"fixture lines for {probe}");
                CollectionAssert.AreEqual(expected[probe], actual.GetValueOrDefault(probe) ?? [], $"{kind} {optimisation} {probe}: fixture printed vs probes traced");
            }
        }
    }

    [TestMethod]
    public void A_stripped_file_is_traced_except_for_the_probes_whose_symbols_are_gone_which_one_line_names()
    {
        OperandFixture fixture = OperandFixture.BuildStripped(FixtureKind.Pie, "-O2");
        (Dictionary<string, List<string>> expected, Dictionary<string, List<string>> actual, LiveProcess ours) = TraceFixture(fixture, "operands:*");
        using (ours)
        {
            string[] skipped = ours.Stderr.Where(line => line.Contains("skipping", StringComparison.Ordinal)).ToArray();
            Assert.HasCount(1, skipped, string.Join('\n', ours.Stderr));
            StringAssert.Contains(skipped[0], "skipping 4 selected probe(s) whose arguments cannot be decoded: ");
            StringAssert.Contains(skipped[0], $"operands:globals in {fixture.ProbeFile} (arg0 '-8@counter(%rip)': symbol 'counter' is not defined in the file (searched .dynsym)");
            foreach (string gone in new[] { "globals", "tls", "floats", "written" })
            {
                StringAssert.Contains(skipped[0], $"operands:{gone} in ");
                Assert.IsFalse(actual.ContainsKey(gone), $"{gone} was skipped, yet traced");
            }
            foreach (string kept in new[] { "widths", "arrays", "offsets", "pointers", "constants" })
            {
                CollectionAssert.AreEqual(expected[kept], actual.GetValueOrDefault(kept) ?? [], kept);
            }
        }
    }

    [TestMethod]
    public void Selecting_only_probes_that_cannot_be_decoded_fails_with_bad_input()
    {
        OperandFixture fixture = OperandFixture.BuildStripped(FixtureKind.Pie, "-O2");
        ProcessResult result = ProbesBinary.Run("trace", fixture.ProbeFile, "--probe", "operands:globals", "--duration", "5");

        Assert.AreEqual(4, result.ExitCode, result.Stderr);
        StringAssert.StartsWith(result.Stderr.Trim(), $"probes: error: none of the 1 selected probe(s) in {fixture.ProbeFile} can be traced, as their arguments cannot be decoded: operands:globals in {fixture.ProbeFile} (arg0 '-8@counter(%rip)': symbol 'counter'");
        Assert.AreEqual(1, result.Stderr.Trim().Split('\n').Length, result.Stderr);
    }

    /// <summary>
    /// Starts the fixture, attaches `probes trace --pid` to it, lets it fire every probe
    /// <see cref="Iterations"/> times and returns, per probe, the fixture's printed lines and
    /// ours, each as "arg0 arg1 ..." in decimal.
    /// </summary>
    private static (Dictionary<string, List<string>> Expected, Dictionary<string, List<string>> Actual, LiveProcess Ours) TraceFixture(OperandFixture fixture, string probe)
    {
        using var target = new LiveProcess(fixture.Executable, [$"{Iterations}"]);
        target.WaitForStdout("ready", Timeout);
        var ours = new LiveProcess(TestPaths.ProbesExecutable, ["trace", "--pid", $"{target.Pid}", "--probe", probe, "--json"]);
        try
        {
            ours.WaitForStderr("attached", Timeout);
            target.StandardInput.WriteLine("go");
            target.StandardInput.Flush();
            target.WaitForExit(Timeout);
            Assert.AreEqual(0, target.ExitCode, "the traced process runs as without a tracer");
            ours.WaitForExit(Timeout); // stops by itself once the traced process is gone, after draining
            Assert.AreEqual(0, ours.ExitCode, string.Join('\n', ours.Stderr));
            StringAssert.Contains(ours.Stderr[^1], " 0 lost");
        }
        catch
        {
            ours.Dispose();
            throw;
        }

        Dictionary<string, List<string>> expected = target.Stdout
            .Where(line => line.StartsWith("hit ", StringComparison.Ordinal))
            .Select(line => line.Split(' ', 3))
            .GroupBy(parts => parts[1], parts => parts.Length > 2 ? parts[2] : "")
            .ToDictionary(g => g.Key, g => g.ToList());
        var actual = new Dictionary<string, List<string>>();
        foreach (string line in ours.Stdout)
        {
            using JsonDocument json = JsonDocument.Parse(line);
            string name = json.RootElement.GetProperty("probe").GetString()!.Split(':')[1];
            string args = string.Join(' ', json.RootElement.GetProperty("args").EnumerateArray().Select(a => a.GetRawText()));
            if (!actual.TryGetValue(name, out List<string>? lines))
            {
                actual[name] = lines = [];
            }
            lines.Add(args);
        }
        return (expected, actual, ours);
    }
}
