namespace Probes.Consumer.Targets;

/// <summary>The file, process or container named by the user does not exist (or no longer does).</summary>
public sealed class TargetNotFoundException(string message) : ProbesException(ErrorKind.NotFound, message);

/// <summary>The target exists but this user may not read it (not root, or a LSM said no).</summary>
public sealed class TargetAccessException(string message, Exception? inner = null) : ProbesException(ErrorKind.Privileges, message, inner);

/// <summary>The target was named in a way that cannot be resolved to one thing (e.g. an ambiguous id prefix).</summary>
public sealed class TargetAmbiguousException(string message) : ProbesException(ErrorKind.Usage, message);
