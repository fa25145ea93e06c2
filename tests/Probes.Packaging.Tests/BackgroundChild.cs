using System.Diagnostics;
using System.Text;

namespace Probes.Packaging.Tests;

/// <summary>
/// A child that runs while the test does something else (a tracer): its output is collected
/// from the start, the test can wait for a line on stderr, and it is stopped with SIGTERM the
/// way a user's Ctrl-C or a service manager would, or killed if the test fails first.
/// </summary>
internal sealed class BackgroundChild : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waits = [];

    public BackgroundChild(Process process)
    {
        _process = process;
        _process.StandardInput.Close();
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stdout)
                {
                    _stdout.AppendLine(e.Data);
                }
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
                foreach ((string text, TaskCompletionSource seen) in _waits)
                {
                    if (e.Data.Contains(text, StringComparison.Ordinal))
                    {
                        seen.TrySetResult();
                    }
                }
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Waits for a stderr line containing <paramref name="text"/>; fails if the child exits or the time runs out first.</summary>
    public void WaitForStderr(string text, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_stderr)
        {
            if (_stderr.ToString().Contains(text, StringComparison.Ordinal))
            {
                return;
            }
            _waits.Add((text, seen));
        }
        Task first = Task.WhenAny(seen.Task, _process.WaitForExitAsync()).WaitAsync(timeout).ContinueWith(_ => { }, TaskScheduler.Default);
        first.Wait();
        if (!seen.Task.IsCompleted)
        {
            Assert.Fail($"'{text}' did not appear on the stderr of {_process.StartInfo.FileName} (exited: {_process.HasExited})\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
    }

    /// <summary>SIGTERM, then everything it wrote and its exit code.</summary>
    public ProcessResult Stop(TimeSpan timeout)
    {
        Signals.Send(_process.Id, Signals.SIGTERM);
        if (!_process.WaitForExit(timeout))
        {
            Assert.Fail($"{_process.StartInfo.FileName} did not stop within {timeout} of SIGTERM\nstderr:\n{Stderr}");
        }
        _process.WaitForExit(); // flushes the asynchronous readers
        return new ProcessResult(_process.ExitCode, Stdout, Stderr);
    }

    private string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    private string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
