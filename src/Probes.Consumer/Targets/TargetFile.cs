namespace Probes.Consumer.Targets;

/// <summary>
/// A file to look for probes in. <see cref="Path"/> is how the user or the process names it;
/// <see cref="HostPath"/> is how this process reaches it (through <c>/proc/PID/root</c> for a
/// process, so a file inside another mount namespace is reached too). <see cref="Pid"/> and
/// <see cref="ContainerId"/> say where it was found, when it was found in a process.
/// </summary>
public sealed record TargetFile(string Path, string HostPath, int? Pid = null, string? ContainerId = null);
