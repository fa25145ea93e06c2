namespace Probes.Sdk.Tests;

[TestClass]
public static class AssemblySetup
{
    // Must run before anything touches Probe: the SDK picks its shim once per process.
    [AssemblyInitialize]
    public static void UseCountingShim(TestContext context) => CountingShim.Initialize();
}
