namespace Probes.Weaver.Tests.Sample;

/// <summary>The sample service as its own build left it: woven in-solution by Probes.Fody.</summary>
internal static class WovenSample
{
    public static string Dll => RepoPaths.BuildOutput("samples/Probes.Sample", "net10.0", "Probes.Sample.dll");

    /// <summary>The libprobes.so the sample loads (copied there by the SDK's project reference).</summary>
    public static string ShimPath => Path.Combine(Path.GetDirectoryName(Dll)!, "runtimes", "linux-x64", "native", "libprobes.so");

    public static string Dotnet => Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet"
        ? host
        : Requirements.Which("dotnet") ?? "dotnet";

    /// <summary>The phases the sample declares with [ProbePhase] (Render is its manual scope).</summary>
    /// <summary>The phase of the sample's --load mode: declared, but not run by the normal service.</summary>
    public const string LoadPhase = "Load.Tick";

    public static readonly string[] AttributePhases =
        ["Startup", "LoadConfig", "WarmCaches", "WarmCaches.Fetch", "ConnectDatabase", "HandleRequest", "Query"];
}
