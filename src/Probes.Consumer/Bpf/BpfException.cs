namespace Probes.Consumer.Bpf;

/// <summary>
/// Base of every failure raised by the eBPF engine: the kernel refused (<see cref="ErrorKind.KernelRefused"/>)
/// unless a subtype says otherwise. Messages state what failed and why in the kernel's terms;
/// what to do about it (run as root, grant a capability) is for the caller to say.
/// </summary>
public class BpfException : ProbesException
{
    public BpfException(string message) : base(ErrorKind.KernelRefused, message) { }

    public BpfException(string message, Exception? inner) : base(ErrorKind.KernelRefused, message, inner) { }

    protected BpfException(ErrorKind kind, string message, Exception? inner = null) : base(kind, message, inner) { }
}

/// <summary>A syscall (bpf, perf_event_open, ioctl, mmap, epoll) failed; names the call and the errno.</summary>
public class BpfSyscallException : BpfException
{
    public BpfSyscallException(string call, int errno, string? detail = null)
        : base($"{call} failed: {Syscalls.Errno.Name(errno)} ({Syscalls.Errno.Describe(errno)}){(detail is null ? "" : ": " + detail)}")
    {
        Call = call;
        Errno = errno;
    }

    protected BpfSyscallException(string call, int errno, string message, ErrorKind kind)
        : base(kind, message)
    {
        Call = call;
        Errno = errno;
    }

    /// <summary>The call that failed, e.g. <c>bpf(BPF_PROG_LOAD)</c>.</summary>
    public string Call { get; }

    /// <summary>The positive errno the kernel returned.</summary>
    public int Errno { get; }
}

/// <summary>
/// The kernel refused for lack of privilege (EPERM, or EACCES from perf_event_open). The message
/// names the capabilities the kernel checks; the CLI words what to do, with the capabilities this
/// process lacks (Cli/PrivilegeCheck).
/// </summary>
public sealed class BpfPermissionException : BpfSyscallException
{
    public BpfPermissionException(string call, int errno)
        : base(call, errno, $"{call} failed: {Syscalls.Errno.Name(errno)}: not permitted (the kernel checks CAP_BPF and CAP_PERFMON, and CAP_SYS_ADMIN for uprobes since Linux 6.16)", ErrorKind.Privileges)
    {
    }
}

/// <summary>
/// The verifier rejected a program. The message carries the last lines of the verifier log
/// (where the reason is); <see cref="Log"/> keeps all of it.
/// </summary>
public sealed class BpfVerifierException : BpfSyscallException
{
    public BpfVerifierException(string programName, int errno, string log, bool logTruncated)
        : base("bpf(BPF_PROG_LOAD)", errno, Compose(programName, errno, log, logTruncated), ErrorKind.KernelRefused)
    {
        ProgramName = programName;
        Log = log;
        LogTruncated = logTruncated;
    }

    public string ProgramName { get; }

    /// <summary>The whole verifier log as the kernel wrote it.</summary>
    public string Log { get; }

    /// <summary>True when even the largest buffer we tried was too small for the log.</summary>
    public bool LogTruncated { get; }

    /// <summary>How many log lines go into <see cref="Exception.Message"/>.</summary>
    public const int MessageLines = 5;

    private static string Compose(string programName, int errno, string log, bool truncated)
    {
        string[] lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        IEnumerable<string> tail = lines.Skip(Math.Max(0, lines.Length - MessageLines));
        string joined = lines.Length == 0 ? "(no verifier log)" : string.Join(" | ", tail);
        return $"verifier rejected program '{programName}' ({Syscalls.Errno.Name(errno)}){(truncated ? " [log truncated]" : "")}: {joined}";
    }
}

/// <summary>The kernel lacks a feature we need (a map type, the uprobe PMU, ...).</summary>
public sealed class BpfNotSupportedException : BpfException
{
    public BpfNotSupportedException(string feature, string minimumKernel, Exception? inner = null)
        : base($"{feature} is not supported by this kernel (needs Linux {minimumKernel} or later)", inner)
    {
        Feature = feature;
        MinimumKernel = minimumKernel;
    }

    public string Feature { get; }

    public string MinimumKernel { get; }
}

/// <summary>An assembler mistake found when a program is marshalled (unknown or duplicate label, ...).</summary>
public sealed class BpfAssemblyException : BpfException
{
    public BpfAssemblyException(string message) : base(message) { }
}
