using System.Diagnostics;
using System.Text;

namespace Probes.Testing;

/// <summary>
/// The one way the tests run a child process: its stdout and stderr lines are collected as they
/// come, a test waits for a line (failing at once if the stream ends without it), signals it,
/// waits for its exit with a time limit, and disposing it kills whatever is still running.
/// </summary>
public sealed class LiveProcess : IDisposable
{
    private readonly Process _process;
    private readonly object _gate = new();
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private bool _stdoutClosed;
    private bool _stderrClosed;
    private bool _disposed;

    public LiveProcess(string file, IEnumerable<string> args, IDictionary<string, string>? environment = null, string? workingDirectory = null)
        : this(StartInfo(file, args, environment, workingDirectory))
    {
    }

    /// <summary>Starts <paramref name="info"/> as given (its environment, its directory), with every stream redirected.</summary>
    public LiveProcess(ProcessStartInfo info)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = true;
        info.UseShellExecute = false;
        Description = $"{info.FileName} {string.Join(' ', info.ArgumentList)}";
        _process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName}");
        _process.OutputDataReceived += (_, e) => Collect(e.Data, _stdout, stdout: true);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data, _stderr, stdout: false);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Description { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public StreamWriter StandardInput => _process.StandardInput;

    public IReadOnlyList<string> Stdout => Snapshot(_stdout);

    public IReadOnlyList<string> Stderr => Snapshot(_stderr);

    /// <summary>Exit code and everything it wrote; call once it has exited.</summary>
    public ProcessResult Result => new(ExitCode, Joined(Stdout), Joined(Stderr));

    /// <summary>The first stdout line containing <paramref name="contains"/>, waiting for it; fails if stdout ends or time runs out first.</summary>
    public string WaitForStdout(string contains, TimeSpan timeout) => WaitFor(_stdout, contains, timeout, stdout: true);

    /// <summary>The first stderr line containing <paramref name="contains"/>, waiting for it; fails if stderr ends or time runs out first.</summary>
    public string WaitForStderr(string contains, TimeSpan timeout) => WaitFor(_stderr, contains, timeout, stdout: false);

    /// <summary>Waits for exit and for both output streams to be read to the end; fails (and kills it) at <paramref name="timeout"/>.</summary>
    public void WaitForExit(TimeSpan timeout)
    {
        if (!ExitsWithin(timeout))
        {
            string output = Tail();
            Kill();
            Assert.Fail($"{Description} did not exit within {timeout}\n{output}");
        }
    }

    /// <summary>Whether it exits (and its output streams end) within <paramref name="timeout"/>; for tests that assert it themselves.</summary>
    public bool ExitsWithin(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }
        // Exit does not flush the asynchronous readers; the end of both streams does (a child it
        // left behind may hold them open: then what was read by the deadline is what there is).
        lock (_gate)
        {
            while (!(_stdoutClosed && _stderrClosed))
            {
                TimeSpan left = timeout - clock.Elapsed;
                if (left <= TimeSpan.Zero || !Monitor.Wait(_gate, left))
                {
                    break;
                }
            }
        }
        return true;
    }

    /// <summary>Sends a POSIX signal (SIGINT, SIGTERM, SIGSTOP...) to the process itself.</summary>
    public void Signal(int signal) => Signals.Send(Pid, signal);

    /// <summary>Signals it, waits for its exit and returns what it wrote: how a user stops a tracer.</summary>
    public ProcessResult Stop(int signal, TimeSpan timeout)
    {
        Signal(signal);
        WaitForExit(timeout);
        return Result;
    }

    /// <summary>The first child of the process (what a launcher such as unshare forked).</summary>
    public int ChildPid()
    {
        string children = File.ReadAllText($"/proc/{Pid}/task/{Pid}/children").Trim();
        return int.Parse(children.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The u16 at <paramref name="fileOffset"/> of <paramref name="mappedPath"/> in this process's memory.</summary>
    public ushort ReadMappedUInt16(string mappedPath, ulong fileOffset) => ProcessMemory.ReadMappedUInt16(Pid, mappedPath, fileOffset);

    public void Dispose()
    {
        if (!_disposed)
        {
            Kill();
            _process.Dispose();
            _disposed = true;
        }
    }

    /// <summary>SIGKILL to the process and everything it started, and waits for it (no handler of its own runs).</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    private static ProcessStartInfo StartInfo(string file, IEnumerable<string> args, IDictionary<string, string>? environment, string? workingDirectory)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        return info;
    }

    private string WaitFor(List<string> lines, string contains, TimeSpan timeout, bool stdout)
    {
        var clock = Stopwatch.StartNew();
        lock (_gate)
        {
            while (true)
            {
                string? found = lines.FirstOrDefault(line => line.Contains(contains, StringComparison.Ordinal));
                if (found is not null)
                {
                    return found;
                }
                bool closed = stdout ? _stdoutClosed : _stderrClosed;
                TimeSpan left = timeout - clock.Elapsed;
                if (closed || left <= TimeSpan.Zero)
                {
                    string why = closed ? "before its " + (stdout ? "stdout" : "stderr") + " ended" : $"within {timeout}";
                    Assert.Fail($"{Description}: no {(stdout ? "stdout" : "stderr")} line containing '{contains}' {why}\n{TailLocked()}");
                }
                Monitor.Wait(_gate, left);
            }
        }
    }

    private void Collect(string? line, List<string> lines, bool stdout)
    {
        lock (_gate)
        {
            if (line is not null)
            {
                lines.Add(line);
            }
            else if (stdout)
            {
                _stdoutClosed = true;
            }
            else
            {
                _stderrClosed = true;
            }
            Monitor.PulseAll(_gate);
        }
    }

    private IReadOnlyList<string> Snapshot(List<string> lines)
    {
        lock (_gate)
        {
            return lines.ToArray();
        }
    }

    private string Tail()
    {
        lock (_gate)
        {
            return TailLocked();
        }
    }

    private string TailLocked() => $"stdout:\n{string.Join('\n', _stdout.TakeLast(20))}\nstderr:\n{string.Join('\n', _stderr.TakeLast(40))}";

    private static string Joined(IReadOnlyList<string> lines)
    {
        var text = new StringBuilder();
        foreach (string line in lines)
        {
            text.AppendLine(line);
        }
        return text.ToString();
    }
}
