namespace Probes.Consumer;

/// <summary>
/// The base of every expected failure inside the consumer (a bad file, a missing process, an
/// unparsable argument spec, a refusal by the kernel). Each carries its <see cref="Kind"/>; the
/// CLI turns the kind into one line on stderr and its exit code. Anything that is not a
/// <see cref="ProbesException"/> is a bug. The message is written for the operator and must
/// stand alone on that one line.
/// </summary>
public abstract class ProbesException : Exception
{
    protected ProbesException(ErrorKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    public ErrorKind Kind { get; }
}

/// <summary>
/// What was asked cannot be done as asked (exit code 2): the command line's own checks, and a
/// request a lower layer finds impossible (a <c>--str</c> argument no selected probe has).
/// </summary>
public sealed class UsageException(string message) : ProbesException(ErrorKind.Usage, message);
