namespace Probes.Consumer.Tracing;

/// <summary>
/// Where the tracing layer says what it did or skipped while the work goes on; failures that end
/// the work are exceptions instead. The CLI writes these to stderr (details only with
/// <c>--verbose</c>); an agent would log them; tests collect them. Messages may quote names a
/// target chose: whoever shows them on a terminal escapes them.
/// </summary>
public interface IDiagnosticSink
{
    /// <summary>Why a file was skipped, which route a file was opened by: what <c>--verbose</c> shows.</summary>
    void Detail(string message);

    /// <summary>Something the user should see although nothing is wrong: a container removed, a count.</summary>
    void Note(string message);

    /// <summary>Something was left out or cut short, and the result is less than asked for.</summary>
    void Warning(string message);
}

/// <summary>A sink that drops everything (benchmarks, tests that do not look).</summary>
public sealed class NullDiagnostics : IDiagnosticSink
{
    public static readonly NullDiagnostics Instance = new();

    private NullDiagnostics()
    {
    }

    public void Detail(string message)
    {
    }

    public void Note(string message)
    {
    }

    public void Warning(string message)
    {
    }
}
