using System.Diagnostics;
using System.Text;
using Probes.Consumer.Output.Reports;
using Probes.Consumer.Phases;
using Probes.Consumer.Tracing.Run;

namespace Probes.Consumer.Cli;

/// <summary>
/// <c>probes phases --interval</c>: between reads of the ring, once a window has passed, the
/// window's table (a terminal) or JSON line (a pipe, a file, <c>--format json</c>) goes to stdout.
/// A stdout whose reader has gone stops the run, as it does for the final report.
/// </summary>
internal sealed class WindowOutput(CliConsole console, TimeSpan every, bool jsonLines, Func<PhaseReport> snapshot, TraceStop stop)
{
    private readonly PhaseWindows _windows = new();
    private readonly Stopwatch _since = Stopwatch.StartNew();

    public bool JsonLines => jsonLines;

    public void AfterPoll()
    {
        if (console.OutputClosed && !stop.Token.IsCancellationRequested)
        {
            stop.Stop("output closed");
            return;
        }
        if (_since.Elapsed >= every && !stop.Token.IsCancellationRequested)
        {
            Emit(final: false);
        }
    }

    public void Emit(bool final)
    {
        TimeSpan length = _since.Elapsed;
        _since.Restart();
        PhaseReport report = snapshot();
        IReadOnlyList<WindowRow> rows = _windows.Next(report, length);
        DateTimeOffset end = DateTimeOffset.UtcNow;
        try
        {
            if (jsonLines)
            {
                using var line = new MemoryStream();
                WindowJsonWriter.Write(report, rows, end, length, final, line);
                console.Out.Write(Encoding.UTF8.GetString(line.ToArray()));
                console.Out.Flush();
            }
            else
            {
                console.Terminal.Write(FittedPhaseTable.RenderWindow(report, rows, end, length, console.Terminal.Profile.Width));
            }
        }
        catch (IOException)
        {
            stop.Stop("output closed"); // nobody is left to read the windows
        }
    }
}
