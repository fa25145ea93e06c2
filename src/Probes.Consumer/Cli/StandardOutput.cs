using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Probes.Consumer.Targets.Files;

namespace Probes.Consumer.Cli;

/// <summary>
/// The process's real stdout (descriptor 1), as a tool in a pipeline needs it. .NET ignores
/// SIGPIPE and its console stream silently drops a write that fails with EPIPE, so
/// <c>probes trace ... | head -2</c> would trace on forever with its uprobes attached; bpftrace
/// and coreutils stop there. Here:
/// <list type="bullet">
/// <item><see cref="Open"/> is a stream on descriptor 1 whose writes throw an <see cref="IOException"/>
/// when the reader has gone;</item>
/// <item><see cref="ReaderGone"/> notices the same without writing (a trace that has no event to
/// print, a report that comes only at the end): poll(2) reports POLLERR on a pipe without readers
/// and POLLHUP on a socket whose peer closed. A terminal or a file has no reader to lose.</item>
/// </list>
/// </summary>
public static partial class StandardOutput
{
    private const int Descriptor = 1;
    private const short PollError = 0x8;   // POLLERR
    private const short PollHangUp = 0x10; // POLLHUP
    private const uint TypeMask = 0xf000;  // S_IFMT
    private const uint Fifo = 0x1000;      // S_IFIFO
    private const uint Socket = 0xc000;    // S_IFSOCK

    private static readonly Lazy<bool> IsPipeOrSocket = new(() =>
    {
        try
        {
            using var handle = new SafeFileHandle(Descriptor, ownsHandle: false);
            return (NativeFiles.Status(handle).Mode & TypeMask) is Fifo or Socket;
        }
        catch (ProbesException)
        {
            return false; // stdout closed (EBADF): nothing to watch
        }
    });

    /// <summary>Descriptor 1 as an unbuffered stream that reports a closed pipe; .NET's console stream when it cannot be had.</summary>
    public static Stream Open()
    {
        try
        {
            return new FileStream(new SafeFileHandle(Descriptor, ownsHandle: false), FileAccess.Write, bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return Console.OpenStandardOutput();
        }
    }

    /// <summary>
    /// Null when descriptor 1 is a stdout to write to; else why not. A program started with
    /// stdout closed (<c>&gt;&amp;-</c>) finds descriptor 1 taken by whatever the runtime opened
    /// first, such as the read end, or with stdin closed too the write end, of its own internal
    /// pipe: writing there would fail, or worse, feed the runtime. Checked before anything is done.
    /// </summary>
    public static string? Problem(string procSelf = "/proc/self")
    {
        if (AccessMode(procSelf, Descriptor) is not int mode || mode == ReadOnlyMode)
        {
            return "stdout is closed or not open for writing; give probes an open stdout (> /dev/null to discard it)";
        }
        string target = LinkTarget(procSelf, Descriptor);
        if (target.StartsWith("pipe:", StringComparison.Ordinal) && HeldForReadingByThisProcess(procSelf, target))
        {
            return "stdout is closed (descriptor 1 is a pipe of this process's own); give probes an open stdout (> /dev/null to discard it)";
        }
        return null;
    }

    /// <summary>Whether stdout is a pipe or socket whose reader has gone. Costs one poll(2), without waiting.</summary>
    public static unsafe bool ReaderGone()
    {
        if (!IsPipeOrSocket.Value)
        {
            return false;
        }
        var request = new PollDescriptor { Descriptor = Descriptor, Events = 0 }; // POLLERR and POLLHUP are always reported
        return poll(&request, 1, 0) == 1 && (request.ReturnedEvents & (PollError | PollHangUp)) != 0;
    }

    private const int ReadOnlyMode = 0; // O_RDONLY in the O_ACCMODE bits

    /// <summary>A reader of stdout is another process; the read end of a pipe in this one means the pipe is ours.</summary>
    private static bool HeldForReadingByThisProcess(string procSelf, string pipe)
    {
        foreach (string entry in Directory.EnumerateFileSystemEntries(Path.Combine(procSelf, "fd")))
        {
            if (int.TryParse(Path.GetFileName(entry), out int descriptor) && descriptor != Descriptor
                && LinkTarget(procSelf, descriptor) == pipe && AccessMode(procSelf, descriptor) == ReadOnlyMode)
            {
                return true;
            }
        }
        return false;
    }

    private static string LinkTarget(string procSelf, int descriptor)
    {
        try
        {
            return new FileInfo(Path.Combine(procSelf, "fd", descriptor.ToString(System.Globalization.CultureInfo.InvariantCulture))).LinkTarget ?? "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>The O_ACCMODE bits of a descriptor from <c>/proc/self/fdinfo</c> ("flags:" in octal), or null when it is not open.</summary>
    private static int? AccessMode(string procSelf, int descriptor)
    {
        try
        {
            foreach (string line in File.ReadLines(Path.Combine(procSelf, "fdinfo", descriptor.ToString(System.Globalization.CultureInfo.InvariantCulture))))
            {
                if (line.StartsWith("flags:", StringComparison.Ordinal))
                {
                    return (int)(Convert.ToInt64(line["flags:".Length..].Trim(), 8) & 3);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
        return null;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollDescriptor
    {
        public int Descriptor;
        public short Events;
        public short ReturnedEvents;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int poll(PollDescriptor* descriptors, nuint count, int timeoutMilliseconds);
}
