using System.Text;

namespace Probes.Consumer.Export.Otlp;

/// <summary>
/// The <c>service.name</c> of a traced process: its <c>OTEL_SERVICE_NAME</c>, read from
/// <c>/proc/PID/environ</c>, else its entry assembly's name (<see cref="EntryAssembly"/>, from
/// <c>/proc/PID/cmdline</c>), else OpenTelemetry's default <c>unknown_service:COMM</c>. The
/// environment is the target's and may hold secrets: only that one variable is looked at, at most
/// <see cref="MaxEnvironmentBytes"/> are read, the value is bounded and stripped of control
/// characters, and nothing else is kept, logged or exported (SECURITY.md). Cached per pid, bounded.
/// </summary>
public sealed class ServiceNames(string procRoot = "/proc")
{
    public const string Variable = "OTEL_SERVICE_NAME";
    public const int MaxEnvironmentBytes = 128 * 1024;
    public const int MaxNameBytes = 255;
    private const int MaxCached = 4_096;

    private static readonly byte[] Prefix = Encoding.ASCII.GetBytes(Variable + "=");
    private readonly Dictionary<int, string> _byPid = new();

    public string Of(int pid, string? fallbackComm)
    {
        if (_byPid.TryGetValue(pid, out string? known))
        {
            return known;
        }
        string name = Read(pid) ?? EntryAssemblyOf(pid) ?? $"unknown_service:{Clean(ProcessComm(pid) ?? fallbackComm ?? "") ?? "process"}";
        if (_byPid.Count >= MaxCached)
        {
            _byPid.Clear();
        }
        _byPid[pid] = name;
        return name;
    }

    public void Forget(int pid) => _byPid.Remove(pid);

    /// <summary>Forgets every process but <paramref name="alive"/>: a pid reused later is read afresh.</summary>
    public void ForgetAllBut(IReadOnlySet<int> alive)
    {
        foreach (int pid in _byPid.Keys.Where(pid => !alive.Contains(pid)).ToList())
        {
            _byPid.Remove(pid);
        }
    }

    private string? Read(int pid) => ReadBounded(pid, "environ", MaxEnvironmentBytes) is { } environment ? Find(environment) : null;

    private string? EntryAssemblyOf(int pid) =>
        ReadBounded(pid, "cmdline", EntryAssembly.MaxCommandLineBytes) is { } commandLine ? EntryAssembly.FromCommandLine(commandLine) : null;

    /// <summary>At most <paramref name="limit"/> bytes of <c>/proc/PID/FILE</c>, or null once the process is gone or hidden.</summary>
    private byte[]? ReadBounded(int pid, string file, int limit)
    {
        byte[] buffer = new byte[limit];
        int length = 0;
        try
        {
            using var stream = new FileStream($"{procRoot}/{pid}/{file}", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
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
        return buffer[..length];
    }

    /// <summary>The process's own name (its main thread's; a record's comm may be a pool thread's), or null once it is gone.</summary>
    private string? ProcessComm(int pid)
    {
        try
        {
            string comm = File.ReadAllText($"{procRoot}/{pid}/comm").TrimEnd('\n');
            return comm.Length is > 0 and <= 64 ? comm : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The variable's value in a NUL-separated environment block, cleaned; null when absent or empty.</summary>
    public static string? Find(ReadOnlySpan<byte> environment)
    {
        while (!environment.IsEmpty)
        {
            int end = environment.IndexOf((byte)0);
            ReadOnlySpan<byte> entry = end < 0 ? environment : environment[..end];
            if (entry.StartsWith(Prefix))
            {
                ReadOnlySpan<byte> value = entry[Prefix.Length..];
                return Clean(Encoding.UTF8.GetString(value[..Math.Min(value.Length, MaxNameBytes)]));
            }
            environment = end < 0 ? default : environment[(end + 1)..];
        }
        return null;
    }

    /// <summary>Bounded to <see cref="MaxNameBytes"/> UTF-8 bytes, control characters and undecodable bytes removed; null when nothing is left.</summary>
    public static string? Clean(string text)
    {
        var cleaned = new StringBuilder(Math.Min(text.Length, MaxNameBytes));
        int bytes = 0;
        foreach (Rune rune in text.EnumerateRunes())
        {
            if (Rune.IsControl(rune) || rune == Rune.ReplacementChar)
            {
                continue;
            }
            bytes += rune.Utf8SequenceLength;
            if (bytes > MaxNameBytes)
            {
                break;
            }
            cleaned.Append(rune.ToString());
        }
        string result = cleaned.ToString().Trim();
        return result.Length > 0 ? result : null;
    }
}
