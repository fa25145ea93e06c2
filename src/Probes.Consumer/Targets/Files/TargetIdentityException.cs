namespace Probes.Consumer.Targets.Files;

/// <summary>
/// The file reached by a target's path is not the file the target maps (a symlink, a swapped
/// path or a mount over a directory leads elsewhere), or it could be reached only through a
/// symlink where none is allowed. Refused: reading or attaching there could touch a host file.
/// </summary>
public sealed class TargetIdentityException(string message) : ProbesException(ErrorKind.BadInput, message);
