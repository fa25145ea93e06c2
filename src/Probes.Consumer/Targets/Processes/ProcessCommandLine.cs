using System.Globalization;
using System.Text;

namespace Probes.Consumer.Targets.Processes;

/// <summary>
/// What a process says it is: its command line (<c>/proc/PID/cmdline</c>, arguments joined by
/// spaces) and its <c>comm</c>. Both are the process's own choice, so the read is bounded and
/// the caller escapes what it shows; an unreadable or vanished process gives null.
/// </summary>
public static class ProcessCommandLine
{
    /// <summary>Longer command lines are cut here and marked with "…".</summary>
    public const int MaxBytes = 4_096;

    public static string? Read(int pid, string procRoot = ProcessTarget.DefaultProcRoot, int maxBytes = MaxBytes)
    {
        byte[] buffer = new byte[maxBytes + 1];
        int length = 0;
        try
        {
            using var stream = new FileStream($"{procRoot}/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            int read;
            while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
            {
                length += read;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        bool cut = length > maxBytes;
        ReadOnlySpan<byte> text = buffer.AsSpan(0, Math.Min(length, maxBytes)).TrimEnd((byte)0);
        string joined = Encoding.UTF8.GetString(text).Replace('\0', ' ');
        return cut ? joined + "…" : joined;
    }

    /// <summary>The kernel's 15-character thread name of the process (its main thread's), or null.</summary>
    public static string? Comm(int pid, string procRoot = ProcessTarget.DefaultProcRoot)
    {
        try
        {
            return File.ReadAllText($"{procRoot}/{pid.ToString(CultureInfo.InvariantCulture)}/comm").TrimEnd('\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
