using System.CommandLine.Parsing;
using Probes.Consumer.Targets.Files;

namespace Probes.Consumer.Cli;

/// <summary>
/// The file <c>phases -o PATH</c> writes its report to. A report exists only at the end of a
/// capture, so the path is checked twice before anything is attached: while parsing (empty,
/// a directory, a missing directory, a FIFO or socket: usage errors) and by opening it, created
/// or truncated like a shell's <c>&gt; PATH</c> (permission denied, read-only file system:
/// <see cref="OutputException"/>). A write that still fails at the end (<c>/dev/full</c>, a
/// disk that filled up) does not lose the capture: the caller writes the report to stdout.
/// </summary>
public sealed class ReportOutput : IDisposable
{
    private const uint TypeMask = 0xf000; // S_IFMT
    private const uint Fifo = 0x1000;     // S_IFIFO
    private const uint Socket = 0xc000;   // S_IFSOCK

    private readonly FileStream _file;

    private ReportOutput(string path, FileStream file)
    {
        Path = path;
        _file = file;
    }

    public string Path { get; }

    /// <summary>The checks that need no file to be created; a failure is a usage error naming the option.</summary>
    public static string? ParsePath(ArgumentResult result)
    {
        string path = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (Problem(path) is { } problem)
        {
            result.AddError($"--output {problem}");
            return null;
        }
        return path;
    }

    /// <summary>What is wrong with <paramref name="path"/> as a report file, or null.</summary>
    public static string? Problem(string path)
    {
        if (path.Length == 0)
        {
            return "needs a file name, not an empty string";
        }
        if (Directory.Exists(path))
        {
            return $"{path}: is a directory; name a file";
        }
        string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
        {
            return $"{path}: no such directory {directory}";
        }
        uint type = TypeOf(path);
        if (type is Fifo or Socket)
        {
            // Opening a FIFO for writing waits for a reader; a pipe belongs on stdout.
            return $"{path}: is a {(type == Fifo ? "FIFO" : "socket")}; to send the report to a program, leave out -o and pipe stdout";
        }
        return null;
    }

    /// <summary>Creates or truncates the file now, before the capture; the reason it cannot be is the kernel's.</summary>
    public static ReportOutput Open(string path)
    {
        if (Problem(path) is { } problem)
        {
            throw new UsageException($"--output {problem}"); // changed since the command line was parsed
        }
        try
        {
            return new ReportOutput(path, new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"cannot write the report to {path}: {Reason(e, path)}", e);
        }
    }

    /// <summary>Writes the whole report; an <see cref="IOException"/> means it did not (all) reach the file.</summary>
    public void Write(ReadOnlySpan<byte> report)
    {
        _file.Write(report);
        _file.Flush();
    }

    public void Dispose()
    {
        try
        {
            _file.Dispose();
        }
        catch (IOException)
        {
            // Nothing is buffered (bufferSize 0); a close error adds nothing to the write's.
        }
    }

    /// <summary>The system's reason without the " : 'PATH'" that .NET appends (the message names the path already).</summary>
    public static string Reason(Exception exception, string path)
    {
        string suffix = $" : '{path}'";
        return exception.Message.EndsWith(suffix, StringComparison.Ordinal) ? exception.Message[..^suffix.Length] : exception.Message;
    }

    private static uint TypeOf(string path)
    {
        try
        {
            return NativeFiles.Status(path).Mode & TypeMask;
        }
        catch (ProbesException)
        {
            return 0; // does not exist yet (or cannot be inspected): opening it says why
        }
    }
}

/// <summary>Results could not be written where they were asked for (exit code 7).</summary>
public sealed class OutputException(string message, Exception? inner = null) : ProbesException(message, inner);
