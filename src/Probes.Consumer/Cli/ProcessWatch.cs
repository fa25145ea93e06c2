namespace Probes.Consumer.Cli;

/// <summary>
/// Notices when a traced process is gone, so <c>--pid</c> tracing ends by itself. The start
/// time from /proc/PID/stat guards against the pid being reused by another process, and a
/// zombie counts as gone: it runs no code, however long its parent takes to reap it.
/// </summary>
public sealed class ProcessWatch : IDisposable
{
    private readonly Timer _timer;

    private ProcessWatch(int pid, string? startTime, Action gone)
    {
        _timer = new Timer(_ =>
        {
            if (StartTime(pid) != startTime)
            {
                gone();
            }
        }, null, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));
    }

    public static ProcessWatch Start(int pid, Action gone) => new(pid, StartTime(pid), gone);

    public void Dispose() => _timer.Dispose();

    /// <summary>Field 22 of /proc/PID/stat (after the parenthesised comm, which may hold spaces); null when gone or a zombie.</summary>
    public static string? StartTime(int pid)
    {
        try
        {
            string stat = System.IO.File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            bool dead = fields[0] is "Z" or "X";
            return !dead && fields.Length > 19 ? fields[19] : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
