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

    /// <summary>Where the sample's shim lies in the image.</summary>
    public const string ShimInImage = "/app/runtimes/linux-x64/native/libprobes.so";

    /// <summary>
    /// Runs a container of the sample (or of an image derived from it) that keeps serving requests,
    /// and waits until its process maps the shim (the SDK loads it at the first probe); returns its host pid.
    /// </summary>
    public static int RunBusy(string podman, string name, string image, int intervalMilliseconds = 50, IReadOnlyList<string>? options = null)
    {
        TimeSpan limit = TimeSpan.FromMinutes(2);
        ProcessRunner.Run(podman, ["--runtime", "runc", "run", "-d", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
            .. options ?? [], "--name", name, image, "--requests", "100000", "--interval-ms", intervalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)], limit)
            .EnsureSuccess($"podman run {name}");
        int pid = int.Parse(ProcessRunner.Run(podman, ["inspect", "-f", "{{.State.Pid}}", name], limit).EnsureSuccess($"podman inspect {name}").Stdout.Trim(),
            System.Globalization.CultureInfo.InvariantCulture);
        Wait.Until(() => File.ReadAllText($"/proc/{pid}/maps").Contains(ShimInImage, StringComparison.Ordinal), limit, $"{name} maps {ShimInImage}");
        return pid;
    }

    public static void Remove()
    {
        if (WasBuilt && Requirements.Which("podman") is { } podman)
        {
            ProcessRunner.Run(podman, ["rmi", "-f", Name], TimeSpan.FromMinutes(1));
        }
    }
}
