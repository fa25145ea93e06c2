using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// PROBES_CLI chooses which <c>probes</c> the Cli-category tests run (scripts/test.sh: the IL build, then
/// the Native AOT executable); a wrong value must fail them, never quietly test the IL build twice.
/// </summary>
[TestClass]
public sealed class CliUnderTestTests
{
    [TestMethod]
    public void Unset_runs_the_apphost_next_to_the_tests()
    {
        Assert.AreEqual(Path.Combine(AppContext.BaseDirectory, "probes"), TestPaths.ResolveProbesExecutable(null));
        Assert.AreEqual(Path.Combine(AppContext.BaseDirectory, "probes"), TestPaths.ResolveProbesExecutable(""));
    }

    [TestMethod]
    public void Set_runs_that_file_by_its_full_path()
    {
        string file = Path.Combine(TestPaths.ScratchDirectory, "probes-elsewhere");
        File.WriteAllText(file, "");
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, file);

        Assert.AreEqual(file, TestPaths.ResolveProbesExecutable(relative));
    }

    [TestMethod]
    public void Set_to_a_missing_file_fails_instead_of_falling_back()
    {
        string missing = Path.Combine(TestPaths.ScratchDirectory, "no-such-probes");

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => TestPaths.ResolveProbesExecutable(missing));
        StringAssert.Contains(error.Message, "PROBES_CLI");
    }
}
