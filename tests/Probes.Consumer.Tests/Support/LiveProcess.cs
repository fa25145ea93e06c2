using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Probes.Consumer.Tests.Support;

/// <summary>
/// A running child process whose stdout and stderr lines are collected as they come, with
/// waits for a line and a reader for a probe semaphore in its memory (by file offset, so it
/// works for PIE, non-PIE and shared libraries alike).
/// </summary>
public sealed class LiveProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LiveProcess(string file, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        Description = $"{file} {string.Join(' ', args)}";
        _process = ProcessRunner.Start(file, args, environment);
        _process.OutputDataReceived += (_, e) => Collect(e.Data, _stdout, _stdoutClosed);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data, _stderr, _stderrClosed);
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

    public string WaitForStderr(string contains, TimeSpan timeout) => WaitFor(_stderr, contains, timeout, "stderr");

    public string WaitForStdout(string contains, TimeSpan timeout) => WaitFor(_stdout, contains, timeout, "stdout");

    /// <summary>Waits for exit and for both output streams to be read to the end.</summary>
    public void WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Assert.Fail($"{Description} did not exit within {timeout}\nstdout:\n{string.Join('\n', Stdout.TakeLast(20))}\nstderr:\n{string.Join('\n', Stderr)}");
        }
        Task.WaitAll([_stdoutClosed.Task, _stderrClosed.Task], timeout);
    }

    /// <summary>The u16 at <paramref name="fileOffset"/> of <paramref name="mappedPath"/> in this process's memory.</summary>
    public ushort ReadMappedUInt16(string mappedPath, ulong fileOffset) => ReadMappedUInt16(Pid, mappedPath, fileOffset);

    public static ushort ReadMappedUInt16(int pid, string mappedPath, ulong fileOffset)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/maps"))
        {
            string[] f = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 6 || f[5].Trim() != mappedPath)
            {
                continue;
            }
            string[] range = f[0].Split('-');
            ulong start = ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            ulong end = ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            ulong offset = ulong.Parse(f[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (fileOffset >= offset && fileOffset + 2 <= offset + (end - start))
            {
                using var memory = new FileStream($"/proc/{pid}/mem", FileMode.Open, FileAccess.Read);
                memory.Seek((long)(start + fileOffset - offset), SeekOrigin.Begin);
                Span<byte> value = stackalloc byte[2];
                memory.ReadExactly(value);
                return BinaryPrimitives.ReadUInt16LittleEndian(value);
            }
        }
        throw new InvalidOperationException($"file offset 0x{fileOffset:x} of {mappedPath} is not mapped in pid {pid}");
    }

    /// <summary>Polls until <paramref name="condition"/> holds; the kernel changes semaphores asynchronously to us.</summary>
    public static void WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"timed out after {timeout} waiting until {what}");
            }
            Thread.Sleep(20);
        }
    }

    public void Signal(int signal) => Signals.Send(Pid, signal);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    private string WaitFor(List<string> lines, string contains, TimeSpan timeout, string stream)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            string? found = Snapshot(lines).FirstOrDefault(line => line.Contains(contains, StringComparison.Ordinal));
            if (found is not null)
            {
                return found;
            }
            if (_process.HasExited && _stdoutClosed.Task.IsCompleted && _stderrClosed.Task.IsCompleted)
            {
                break;
            }
            Thread.Sleep(20);
        }
        Assert.Fail($"{Description}: no {stream} line containing '{contains}' within {timeout}\nstdout:\n{string.Join('\n', Stdout.TakeLast(20))}\nstderr:\n{string.Join('\n', Stderr)}");
        return "";
    }

    private static void Collect(string? line, List<string> lines, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }
        lock (lines)
        {
            lines.Add(line);
        }
    }

    private static IReadOnlyList<string> Snapshot(List<string> lines)
    {
        lock (lines)
        {
            return lines.ToArray();
        }
    }
}
