namespace Probes.Consumer.Targets.Containers;

/// <summary>
/// Which runtime named a container's cgroup. <see cref="CgroupContainerId"/> finds the id; the
/// segment holding it also says who made it (<c>libpod-</c>, <c>docker-</c> or <c>/docker/</c>,
/// <c>cri-containerd-</c>, <c>crio-</c>). A bare id under a Kubernetes pod cgroup says nothing,
/// and the state files must tell (see <see cref="ContainerStateFiles"/>).
/// </summary>
public static class CgroupRuntime
{
    public static ContainerRuntime Of(IEnumerable<string> cgroupLines, string containerId)
    {
        foreach (string line in cgroupLines)
        {
            string[] fields = line.Split(':', 3);
            if (fields.Length != 3)
            {
                continue;
            }
            string[] segments = fields[2].Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (int i = segments.Length - 1; i >= 0; i--)
            {
                if (!segments[i].Contains(containerId, StringComparison.Ordinal))
                {
                    continue;
                }
                string segment = segments[i];
                return segment.StartsWith("libpod-", StringComparison.Ordinal) ? ContainerRuntime.Podman
                    : segment.StartsWith("docker-", StringComparison.Ordinal) || (i > 0 && segments[i - 1] == "docker") ? ContainerRuntime.Docker
                    : segment.StartsWith("cri-containerd-", StringComparison.Ordinal) ? ContainerRuntime.Containerd
                    : segment.StartsWith("crio-", StringComparison.Ordinal) ? ContainerRuntime.CriO
                    : ContainerRuntime.Unknown;
            }
        }
        return ContainerRuntime.Unknown;
    }
}
