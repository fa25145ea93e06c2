namespace Probes.Sdk.Tests;

/// <summary>The sample service's build output, run as a child process by the tests.</summary>
internal static class SampleApp
{
    public static string Dll => RepoPaths.BuildOutput("samples/Probes.Sample", "net10.0", "Probes.Sample.dll");

    public static string Directory => Path.GetDirectoryName(Dll)!;

    /// <summary>The libprobes.so the sample loads (copied there by the SDK's project reference).</summary>
    public static string ShimPath => Path.Combine(Directory, "runtimes", "linux-x64", "native", "libprobes.so");

    public static string Dotnet => Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet"
        ? host
        : Requirements.Which("dotnet") ?? "dotnet";

    public static IEnumerable<string> Arguments(string dll, params string[] args) => new[] { dll }.Concat(args);
}
