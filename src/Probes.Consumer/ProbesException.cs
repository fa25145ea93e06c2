namespace Probes.Consumer;

/// <summary>
/// The base of every expected failure inside the consumer's libraries (a bad file, a missing
/// process, an unparsable argument spec). The CLI turns each subtype into one line on stderr
/// and its own exit code; anything that is not a <see cref="ProbesException"/> is a bug.
/// The message is written for the operator and must stand alone on that one line.
/// </summary>
public abstract class ProbesException : Exception
{
    protected ProbesException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
