namespace Probes.Consumer.Targets.Containers;

/// <summary>Container names from podman, when podman is installed; null otherwise.</summary>
public static class PodmanNames
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static string? NameOf(string containerId)
    {
        string? podman = Executables.Find("podman");
        if (podman is null)
        {
            return null;
        }
        var result = ExternalCommand.Run(podman, ["container", "inspect", "--format", "{{.Name}}", containerId], Timeout);
        return result is { ExitCode: 0 } ok && ok.Stdout.Trim() is { Length: > 0 } name ? name : null;
    }
}
