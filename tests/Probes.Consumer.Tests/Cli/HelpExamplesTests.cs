using System.CommandLine;
using System.Text.RegularExpressions;
using Probes.Consumer.Cli;

namespace Probes.Consumer.Tests.Cli;

/// <summary>Each verb's --help ends with examples, and every example is a command line probes accepts.</summary>
[TestClass]
public sealed partial class HelpExamplesTests
{
    [TestMethod]
    [DataRow("")]
    [DataRow("list")]
    [DataRow("trace")]
    [DataRow("phases")]
    [DataRow("containers")]
    public void Help_ends_with_two_or_three_examples(string verb)
    {
        var stdout = new StringWriter();
        int exit = ProbesCli.Run(verb == "" ? ["--help"] : [verb, "--help"], new CliConsole(stdout, new StringWriter()));
        Assert.AreEqual(0, exit);
        string help = stdout.ToString();
        string[] examples = HelpExamples.ByVerb[verb];
        Assert.IsTrue(examples.Length is >= 2 and <= 3);
        string section = help[help.IndexOf("\nExamples:\n", StringComparison.Ordinal)..];
        foreach (string example in examples)
        {
            StringAssert.Contains(section, $"  {example}\n");
        }
        StringAssert.Contains(help, "Options:", "the examples come after the usual help");
    }

    [TestMethod]
    public void Every_example_parses_without_a_usage_error()
    {
        foreach ((string verb, string[] examples) in HelpExamples.ByVerb)
        {
            foreach (string example in examples)
            {
                string[] args = Words(example.Split(" #", 2)[0]);
                Assert.AreEqual("probes", args[0], example);
                ParseResult parsed = ProbesCli.BuildRoot(new CliConsole(new StringWriter(), new StringWriter())).Parse(args[1..]);
                Assert.IsNull(UsageErrors.First(parsed), example);
                if (verb != "")
                {
                    Assert.AreEqual(verb, parsed.CommandResult.Command.Name, example);
                }
            }
        }
    }

    /// <summary>The words of a shell command line with single quotes, as the shell hands them over.</summary>
    private static string[] Words(string line) =>
        ShellWord().Matches(line).Select(m => m.Value.Replace("'", "", StringComparison.Ordinal)).ToArray();

    [GeneratedRegex(@"(?:'[^']*'|[^\s'])+")]
    private static partial Regex ShellWord();
}
