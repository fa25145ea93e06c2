namespace Probes.Consumer.Tests.Support;

/// <summary>
/// The sample service as a podman image, built once per test run by the same script the demo
/// uses (self-contained publish plus the libraries it needs, imported from a tarball), and
/// removed at the end of the run.
/// </summary>
public static class SampleImage
{
    private static readonly Lazy<string> Image = new(BuildOnce);

    public static string Build() => Image.Value;

    public static bool WasBuilt => Image.IsValueCreated;

    public static string Name { get; } = $"localhost/probes-sample-test:{Environment.ProcessId}";

    private static string BuildOnce()
    {
        string script = Path.Combine(RepoPaths.Root, "scripts", "build-sample-image.sh");
        ProcessRunner.Run("/bin/bash", [script, Name], TimeSpan.FromMinutes(10)).EnsureSuccess("build-sample-image.sh");
        return Name;
    }

    public static void Remove()
    {
        if (WasBuilt && Requirements.Which("podman") is { } podman)
        {
            ProcessRunner.Run(podman, ["rmi", "-f", Name], TimeSpan.FromMinutes(1));
        }
    }
}
