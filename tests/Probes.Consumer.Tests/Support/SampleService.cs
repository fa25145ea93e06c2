namespace Probes.Consumer.Tests.Support;

/// <summary>The repository's sample service (samples/Probes.Sample), built before these tests, and its own shim.</summary>
public static class SampleService
{
    public static string Dll => RepoPaths.BuildOutput("samples/Probes.Sample", "net10.0", "Probes.Sample.dll");

    public static string Shim => Path.Combine(Path.GetDirectoryName(Dll)!, "runtimes", "linux-x64", "native", "libprobes.so");

    public static string Dotnet => Requirements.Which("dotnet") ?? "dotnet";

    /// <summary>Starts the sample; an empty PROBES_LIBRARY makes it load its own shim whatever our environment says.</summary>
    public static LiveProcess Start(params string[] args) =>
        new(Dotnet, [Dll, .. args], new Dictionary<string, string> { ["PROBES_LIBRARY"] = "" });

    /// <summary>File offset of a probe's semaphore in the sample's shim, from `probes list`.</summary>
    public static ulong SemaphoreOffset(string probe) => ProbesBinary.ListJson(Shim).Single(p => p.Name == probe).SemaphoreOffset;
}
