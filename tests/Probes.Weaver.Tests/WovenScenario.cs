using System.Reflection;
using Fody;
using TestResult = Fody.TestResult;

namespace Probes.Weaver.Tests;

/// <summary>
/// A scenario assembly woven once (per test class, through FodyHelpers) and its woven methods
/// as delegates: delegates, not MethodInfo.Invoke, so exceptions arrive unwrapped and calls
/// allocate nothing of their own.
/// </summary>
internal sealed class WovenScenario
{
    private WovenScenario(TestResult result) => Result = result;

    public TestResult Result { get; }

    public Assembly Assembly => Result.Assembly;

    public static WovenScenario Weave(string scenario)
    {
        string dll = RepoPaths.BuildOutput($"tests/Probes.Weaver.Scenarios/{scenario}", "net10.0", $"Scenarios.{scenario}.dll");
#pragma warning disable CS0618 // ExecuteTestRun is marked "only for testing", which is what this is
        TestResult result = new ModuleWeaver().ExecuteTestRun(dll, runPeVerify: false);
#pragma warning restore CS0618
        return new WovenScenario(result);
    }

    public Type Type(string fullName) => Assembly.GetType(fullName, throwOnError: true)!;

    public T Method<T>(string typeName, string methodName)
        where T : Delegate =>
        Type(typeName).GetMethod(methodName, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance)!.CreateDelegate<T>();

    /// <summary>The phases of one span, begin and end, for assertions.</summary>
    public static (ProbeCall Begin, ProbeCall End) Span(List<ProbeCall> calls, string name)
    {
        ProbeCall begin = calls.Single(c => c.IsBegin && c.Name == name);
        ProbeCall end = calls.Single(c => c.IsEnd && c.Span == begin.Span);
        Assert.AreEqual(begin.Id, end.Id);
        Assert.AreEqual(PhaseId.Of(name), begin.Id, $"id of {name}");
        return (begin, end);
    }
}
