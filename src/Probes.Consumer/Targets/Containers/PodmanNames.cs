namespace Probes.Consumer.Targets.Containers;

/// <summary>Container names from podman (or its event log, for a container already removed), when podman is installed; null otherwise.</summary>
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
        // Removed before we asked (it ran while the tracer was busy): its events still carry its name.
        return result is { ExitCode: 0 } ok && ok.Stdout.Trim() is { Length: > 0 } name ? name : PodmanEventsLog.Default.NameOf(containerId);
    }
}
