namespace Probes.Hosting.Tests;

[TestClass]
public static class AssemblySetup
{
    [AssemblyInitialize]
    public static void UseCountingShim(TestContext context) => CountingShim.Initialize();
}
