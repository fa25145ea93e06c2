namespace Probes.Weaver.Tests;

/// <summary>Misuse is a build error that names the method, says how to fix it and points at the source.</summary>
[TestClass]
[DoNotParallelize]
public sealed class MisuseTests
{
    private static WovenScenario s_woven = null!;

    [ClassInitialize]
    public static void Weave(TestContext context) => s_woven = WovenScenario.Weave("Misuse");

    [TestMethod]
    [DataRow("MisusedPhases.Abstract is abstract", "Put the attribute on the overriding methods", false)]
    [DataRow("MisusedPhases.EmptyName has [ProbePhase] with an empty name", "Give the phase a name", true)]
    [DataRow("MisusedPhases.Iterator is an iterator", "Remove the attribute", true)]
    [DataRow("MisusedPhases.AsyncIterator is an async iterator", "Remove the attribute", true)]
    [DataRow("MisusedPhases.Extern has no body", "Remove the attribute", false)]
    public void Misuse_is_an_error_with_the_fix(string problem, string fix, bool hasSource)
    {
        var error = s_woven.Result.Errors.SingleOrDefault(e => e.Text.Contains(problem, StringComparison.Ordinal));
        Assert.IsNotNull(error, $"no error '{problem}' among:\n{string.Join("\n", s_woven.Result.Errors.Select(e => e.Text))}");
        StringAssert.Contains(error.Text, fix);
        if (hasSource)
        {
            Assert.IsNotNull(error.SequencePoint, $"'{problem}' does not point at the source");
            StringAssert.EndsWith(error.SequencePoint.Document.Url, "MisusedPhases.cs");
        }
    }

    [TestMethod]
    public void Each_misuse_is_reported_once_and_the_rest_is_still_woven()
    {
        Assert.HasCount(5, s_woven.Result.Errors, string.Join("\n", s_woven.Result.Errors.Select(e => e.Text)));
        Func<int> fine = s_woven.Method<Func<int>>("Scenarios.Misuse.MisusedPhases", "Fine");
        List<ProbeCall> calls = ShimRecorder.Trace(() => fine());
        WovenScenario.Span(calls, "MisusedPhases.Fine");
    }
}
