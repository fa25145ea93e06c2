namespace Probes.Consumer.Tests.Support;

/// <summary>The repository's sample service (samples/Probes.Sample), built before these tests, and its own shim.</summary>
public static class SampleService
{
    public static string Dll => SampleProgram.Service.Dll;

    public static string Shim => SampleProgram.Service.Shim;

    public static string Dotnet => SampleProgram.Dotnet;

    /// <summary>
    /// Starts the sample (with its own shim) and returns once it maps that shim (the SDK loads it at
    /// the first probe use), so a tracer pointed at its pid finds the probes however slowly the
    /// machine starts it.
    /// </summary>
    public static LiveProcess Start(params string[] args)
    {
        LiveProcess sample = SampleProgram.Service.Start(args);
        try
        {
            Wait.Until(() => ProcessMemory.Maps(sample.Pid, Shim), TimeSpan.FromMinutes(1), $"the sample (pid {sample.Pid}) maps {Shim}");
            return sample;
        }
        catch
        {
            sample.Dispose();
            throw;
        }
    }

    /// <summary>File offset of a probe's semaphore in the sample's shim, from `probes list`.</summary>
    public static ulong SemaphoreOffset(string probe) => ProbesBinary.ListJson(Shim).Single(p => p.Name == probe).SemaphoreOffset;
}
