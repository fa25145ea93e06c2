using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Probes.Consumer.Tests.Bpf;

/// <summary>A running fixture process: collects its output lines and reads its memory.</summary>
internal sealed class TracedProcess : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = [];
    private readonly List<string> _all = [];

    public TracedProcess(FixtureBinary binary, params string[] args)
        : this(binary, binary.Path, args)
    {
    }

    /// <summary>Runs <paramref name="launcher"/> (e.g. unshare) which in turn runs the fixture.</summary>
    public TracedProcess(FixtureBinary binary, string launcher, IEnumerable<string> args)
    {
        Binary = binary;
        _process = ProcessRunner.Start(launcher, args);
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _lines.CompleteAdding();
                return;
            }
            lock (_all)
            {
                _all.Add(e.Data);
            }
            _lines.Add(e.Data);
        };
        _process.BeginOutputReadLine();
    }

    public FixtureBinary Binary { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_all)
            {
                return _all.ToArray();
            }
        }
    }

    /// <summary>Waits for a line starting with <paramref name="prefix"/>.</summary>
    public string WaitForLine(string prefix, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_lines.TryTake(out string? line, TimeSpan.FromMilliseconds(100)) && line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }
            if (_lines.IsCompleted)
            {
                break;
            }
        }
        Assert.Fail($"{Binary.Path} printed no '{prefix}' line within {timeout}; output so far:\n{string.Join('\n', Lines)}");
        return "";
    }

    public void WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Assert.Fail($"{Binary.Path} did not exit within {timeout}");
        }
        _process.WaitForExit();
    }

    /// <summary>The first child of the launched process (the fixture, when a launcher such as unshare forked it).</summary>
    public int ChildPid()
    {
        string children = File.ReadAllText($"/proc/{Pid}/task/{Pid}/children").Trim();
        return int.Parse(children.Split(' ')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>The u16 semaphore at link-time address <paramref name="vaddr"/>, read through /proc/PID/mem at load bias + vaddr.</summary>
    public ushort ReadSemaphore(ulong vaddr)
    {
        ulong loadStart = MappingStart();
        ulong address = loadStart - Binary.FirstLoadVaddr + vaddr;
        using var memory = new FileStream($"/proc/{Pid}/mem", FileMode.Open, FileAccess.Read);
        memory.Seek((long)address, SeekOrigin.Begin);
        Span<byte> value = stackalloc byte[2];
        memory.ReadExactly(value);
        return BinaryPrimitives.ReadUInt16LittleEndian(value);
    }

    private ulong MappingStart()
    {
        foreach (string line in File.ReadLines($"/proc/{Pid}/maps"))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 6 && fields[5] == Binary.Path && fields[2] == "00000000")
            {
                return ulong.Parse(fields[0].Split('-')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"{Binary.Path} is not mapped in process {Pid}");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
        _lines.Dispose();
    }
}
