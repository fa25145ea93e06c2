using Probes.Consumer.Cli;
using Spectre.Console.Testing;

namespace Probes.Consumer.Tests.Support;

/// <summary>
/// <c>probes</c> run in-process on an interactive test terminal (where live reports are drawn),
/// its stdout captured apart, and its notes readable while it runs.
/// </summary>
internal sealed class TerminalTrace
{
    private readonly StringWriter _errorText = new();
    // The run writes its notes from its own thread; TextWriter.Synchronized locks on the wrapper, so reads take that lock too.
    private readonly TextWriter _error;

    public TerminalTrace(string[] arguments, int width)
    {
        _error = TextWriter.Synchronized(_errorText);
        Terminal = new TestConsole().Interactive().Width(width);
        Run = Task.Run(() => ProbesCli.Run(arguments, new CliConsole(Output, _error) { Terminal = Terminal }));
    }

    public TestConsole Terminal { get; }

    public StringWriter Output { get; } = new();

    public Task<int> Run { get; }

    public string Errors()
    {
        lock (_error)
        {
            return _errorText.ToString();
        }
    }

    public void WaitUntilAttached(TimeSpan timeout) =>
        Wait.Until(() => Errors().Contains("attached", StringComparison.Ordinal) || Run.IsCompleted, timeout, "the tracer attached");

    /// <summary>Waits for the run to end and asserts it succeeded.</summary>
    public void AssertSucceeded(TimeSpan timeout)
    {
        Assert.IsTrue(Run.Wait(timeout), "the trace ended");
        Assert.AreEqual(0, Run.Result, Errors());
    }
}
