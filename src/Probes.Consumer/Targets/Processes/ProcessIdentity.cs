using System.Globalization;
using Probes.Consumer.Targets.Files;

namespace Probes.Consumer.Targets.Processes;

/// <summary>
/// Which process a pid meant when we looked: its start time (field 22 of <c>/proc/PID/stat</c>,
/// clock ticks after boot; exec keeps it, a new process with a reused pid has another) and the
/// device and inode of its program (<c>/proc/PID/exe</c>, which exec changes). Captured before
/// the target's maps and notes are read, and compared after the probes are attached and while
/// tracing: a pid that exited, exec'd or was reused in between is noticed instead of traced.
/// </summary>
public sealed record ProcessIdentity(int Pid, string StartTime, FileIdentity? Executable, string? ExecutablePath)
{
    /// <summary>The identity of <paramref name="pid"/> now; null when there is no such process (or only its zombie).</summary>
    public static ProcessIdentity? Capture(int pid, string procRoot = ProcessTarget.DefaultProcRoot)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            string? started = ReadStartTime(pid, procRoot);
            if (started is null)
            {
                return null;
            }
            string exe = $"{procRoot}/{pid.ToString(CultureInfo.InvariantCulture)}/exe";
            FileIdentity? executable = Stat(exe);
            string? path = ReadLink(exe);
            // The program must be the one of the process whose start time we have: read it again.
            if (ReadStartTime(pid, procRoot) == started)
            {
                return new ProcessIdentity(pid, started, executable, path);
            }
        }
        return null;
    }

    /// <summary>What became of the process since it was captured.</summary>
    public ProcessChange Check(string procRoot = ProcessTarget.DefaultProcRoot)
    {
        ProcessIdentity? now = Capture(Pid, procRoot);
        if (now is null)
        {
            return new ProcessChange(ProcessChangeKind.Exited, Pid, null);
        }
        if (now.StartTime != StartTime)
        {
            return new ProcessChange(ProcessChangeKind.Reused, Pid, null);
        }
        return now.Executable != Executable
            ? new ProcessChange(ProcessChangeKind.Execed, Pid, now.ExecutablePath)
            : new ProcessChange(ProcessChangeKind.None, Pid, null);
    }

    /// <summary>Field 22 of /proc/PID/stat (after the parenthesised comm, which may hold spaces and parentheses); null when gone or a zombie.</summary>
    public static string? ReadStartTime(int pid, string procRoot = ProcessTarget.DefaultProcRoot)
    {
        try
        {
            string stat = File.ReadAllText($"{procRoot}/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            int end = stat.LastIndexOf(')');
            if (end < 0 || end + 2 > stat.Length)
            {
                return null;
            }
            string[] fields = stat[(end + 2)..].Split(' ');
            // A zombie runs no code and keeps no mappings, however long its parent takes to reap it.
            bool dead = fields[0] is "Z" or "X";
            return !dead && fields.Length > 19 ? fields[19] : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The program's identity (the file itself, even when its path was deleted); null when it cannot be reached.</summary>
    private static FileIdentity? Stat(string path)
    {
        try
        {
            return NativeFiles.Status(path).Identity;
        }
        catch (ProbesException)
        {
            return null;
        }
    }
}

public enum ProcessChangeKind
{
    /// <summary>Still the same process running the same program.</summary>
    None,

    /// <summary>Gone, or a zombie.</summary>
    Exited,

    /// <summary>Same process, another program.</summary>
    Execed,

    /// <summary>The pid now names a process that started later.</summary>
    Reused,
}

/// <summary>What happened to a watched pid, in the words the CLI prints.</summary>
public sealed record ProcessChange(ProcessChangeKind Kind, int Pid, string? NewProgram)
{
    public bool HasChanged => Kind != ProcessChangeKind.None;

    /// <summary>"process 42 exited", "process 42 exec'd another program (/usr/bin/sleep)", "pid 42 now belongs to another process".</summary>
    public string Describe(bool beforeAttach = false) => Kind switch
    {
        ProcessChangeKind.Exited => $"process {Pid} exited{(beforeAttach ? " before the probes were attached" : "")}",
        ProcessChangeKind.Execed => $"process {Pid} exec'd another program ({NewProgram ?? "unknown"})",
        ProcessChangeKind.Reused => $"pid {Pid} now belongs to another process",
        _ => $"process {Pid} is unchanged",
    };
}
