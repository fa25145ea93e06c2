namespace Probes.Consumer.Tests.Support;

/// <summary>
/// The agent's container image, built once per test run by scripts/build-agent-image.sh (the
/// native executable, probes-hook and glibc's three files) and removed at the end of the run.
/// The native executable is PROBES_CLI when that is one (the tests' CLI under test), else the
/// script publishes it.
/// </summary>
public static class AgentImage
{
    private static readonly Lazy<string> Image = new(BuildOnce);

    public static string Name { get; } = $"localhost/probes-agent-test:{Environment.ProcessId}";

    public static string Build() => Image.Value;

    private static string BuildOnce()
    {
        string script = Path.Combine(RepoPaths.Root, "scripts", "build-agent-image.sh");
        string probes = TestPaths.ProbesExecutable;
        bool native = !File.Exists(Path.Combine(Path.GetDirectoryName(probes)!, "probes.dll"));
        ProcessRunner.Run("/bin/bash", [script, Name, .. native ? new[] { probes } : []], TimeSpan.FromMinutes(15)).EnsureSuccess("build-agent-image.sh");
        return Name;
    }

    public static void Remove()
    {
        if (Image.IsValueCreated && Requirements.Which("podman") is { } podman)
        {
            ProcessRunner.Run(podman, ["rmi", "-f", Name], TimeSpan.FromMinutes(1));
        }
    }
}
