namespace Probes.Consumer;

/// <summary>
/// What kind of expected failure a <see cref="ProbesException"/> is. Every layer says which one
/// when it throws, so nothing above has to know the layer's exception types or read messages to
/// decide; the CLI turns each kind into its documented exit code in one place.
/// </summary>
public enum ErrorKind
{
    /// <summary>What was asked cannot be done as asked: a conflicting or impossible request, an ambiguous name.</summary>
    Usage,

    /// <summary>The file, process, container or probe asked for does not exist (or no longer does).</summary>
    NotFound,

    /// <summary>The target exists but is not usable input: not ELF, corrupt, a malformed note, a file that is not the one mapped.</summary>
    BadInput,

    /// <summary>This process may not read the target or use BPF.</summary>
    Privileges,

    /// <summary>The kernel refused: a verifier rejection, a missing feature, an attach that failed.</summary>
    KernelRefused,

    /// <summary>Results could not be written where they were asked for.</summary>
    OutputFailed,
}
