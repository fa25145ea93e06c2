namespace Probes.Weaver.Tests.Sample;

/// <summary>The sample service as its own build left it: woven in-solution by Probes.Fody.</summary>
internal static class WovenSample
{
    public static string Dll => SampleProgram.Service.Dll;

    /// <summary>The phases the sample declares with [ProbePhase] (Render is its manual scope).</summary>
    /// <summary>The phase of the sample's --load mode: declared, but not run by the normal service.</summary>
    public const string LoadPhase = "Load.Tick";

    public static readonly string[] AttributePhases =
        ["Startup", "LoadConfig", "WarmCaches", "WarmCaches.Fetch", "ConnectDatabase", "HandleRequest", "Query"];
}
