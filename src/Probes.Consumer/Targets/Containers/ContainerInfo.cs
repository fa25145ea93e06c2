namespace Probes.Consumer.Targets.Containers;

/// <summary>A running container: its full id, its name when the runtime told us, and its host pids.</summary>
public sealed record ContainerInfo(string Id, string? Name, IReadOnlyList<int> Pids);
