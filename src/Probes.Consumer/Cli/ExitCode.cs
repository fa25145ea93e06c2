namespace Probes.Consumer.Cli;

/// <summary>The documented exit codes of <c>probes</c>; scripts may rely on them.</summary>
public enum ExitCode
{
    /// <summary>The command did what was asked (listing zero probes is a success too).</summary>
    Success = 0,

    /// <summary>An unexpected internal error (a bug): reported in one line, please file it.</summary>
    InternalError = 1,

    /// <summary>The command line is wrong: unknown option, missing or conflicting target, ambiguous container id.</summary>
    Usage = 2,

    /// <summary>The file, process or container does not exist.</summary>
    NotFound = 3,

    /// <summary>The target exists but is not usable input: not ELF, corrupt, or a malformed probe note.</summary>
    BadInput = 4,

    /// <summary>Not allowed to read the target or to use BPF (usually: run as root).</summary>
    Privileges = 5,

    /// <summary>The kernel refused: a verifier rejection, a missing feature, or an attach that failed.</summary>
    KernelRefused = 6,

    /// <summary>
    /// The results could not be written where asked: the <c>-o</c> file (then the report goes to
    /// stdout instead), or stdout itself for another reason than a reader that left: closed when
    /// probes started (<c>&gt;&amp;-</c>, checked first), a full disk.
    /// A pipe whose reader has gone (<c>| head</c>) is not a failure: the command stops with 0.
    /// </summary>
    OutputFailed = 7,
}
