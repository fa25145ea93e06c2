namespace Probes.Consumer.Tests.Support;

[TestClass]
public static class AssemblyHooks
{
    [AssemblyCleanup]
    public static void RemoveScratch()
    {
        SampleImage.Remove();
        AgentImage.Remove();
        if (TestPaths.HasScratch)
        {
            Directory.Delete(TestPaths.ScratchDirectory, recursive: true);
        }
    }
}
