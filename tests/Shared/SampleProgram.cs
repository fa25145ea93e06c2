namespace Probes.Testing;

/// <summary>
/// A sample program of the repository (samples/), run from its own build output: built before
/// the tests by a project reference, started with the shim its build shipped beside it.
/// </summary>
public sealed class SampleProgram(string projectDirectory, string assemblyName)
{
    /// <summary>samples/Probes.Sample: the service whose phases the SDK, weaver and consumer tests trace.</summary>
    public static readonly SampleProgram Service = new("samples/Probes.Sample", "Probes.Sample");

    /// <summary>samples/Probes.HostSample: the generic host with AddProbes.</summary>
    public static readonly SampleProgram Host = new("samples/Probes.HostSample", "Probes.HostSample");

    public string Dll => RepoPaths.BuildOutput(projectDirectory, "net10.0", assemblyName + ".dll");

    public string Directory => Path.GetDirectoryName(Dll)!;

    /// <summary>The libprobes.so the sample loads (copied there by the SDK's project reference).</summary>
    public string Shim => Path.Combine(Directory, "runtimes", "linux-x64", "native", "libprobes.so");

    /// <summary>The dotnet host running this test, else the one on PATH.</summary>
    public static string Dotnet => Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet"
        ? host
        : Requirements.Which("dotnet") ?? "dotnet";

    /// <summary>
    /// Starts the sample with <paramref name="args"/>. An empty PROBES_LIBRARY makes it load its own
    /// shim, whatever this test process uses (the counting build, in the SDK and hosting tests).
    /// </summary>
    public LiveProcess Start(params string[] args) =>
        new(Dotnet, [Dll, .. args], new Dictionary<string, string> { ["PROBES_LIBRARY"] = "" });
}
