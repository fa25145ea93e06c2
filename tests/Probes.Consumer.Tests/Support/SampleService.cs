namespace Probes.Consumer.Tests.Support;

/// <summary>The repository's sample service (samples/Probes.Sample), built before these tests, and its own shim.</summary>
public static class SampleService
{
    public static string Dll => RepoPaths.BuildOutput("samples/Probes.Sample", "net10.0", "Probes.Sample.dll");

    public static string Shim => Path.Combine(Path.GetDirectoryName(Dll)!, "runtimes", "linux-x64", "native", "libprobes.so");

    public static string Dotnet => Requirements.Which("dotnet") ?? "dotnet";

    /// <summary>
    /// Starts the sample and returns once it maps its shim (the SDK loads it at the first probe use),
    /// so a tracer pointed at its pid finds the probes however slowly the machine starts it. An empty
    /// PROBES_LIBRARY makes it load its own shim whatever our environment says.
    /// </summary>
    public static LiveProcess Start(params string[] args)
    {
        var sample = new LiveProcess(Dotnet, [Dll, .. args], new Dictionary<string, string> { ["PROBES_LIBRARY"] = "" });
        try
        {
            LiveProcess.WaitUntil(() => MapsShim(sample.Pid), TimeSpan.FromMinutes(1), $"the sample (pid {sample.Pid}) maps {Shim}");
            return sample;
        }
        catch
        {
            sample.Dispose();
            throw;
        }
    }

    private static bool MapsShim(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/maps").Contains(Shim, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>File offset of a probe's semaphore in the sample's shim, from `probes list`.</summary>
    public static ulong SemaphoreOffset(string probe) => ProbesBinary.ListJson(Shim).Single(p => p.Name == probe).SemaphoreOffset;
}
