using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Syscalls;

namespace Probes.Consumer.Cli;

/// <summary>
/// Turns a failure into the one stderr line and the exit code the user sees. Expected
/// failures are <see cref="ProbesException"/>s, and their <see cref="ProbesException.Kind"/>
/// alone decides the exit code (<see cref="Classify"/>); anything else is a bug, still reported
/// in one line (type and message, no stack trace) with <see cref="ExitCode.InternalError"/>.
/// </summary>
public static class ErrorReporter
{
    /// <summary>What to do when the kernel refused and this process's capabilities cannot be read to say which one is missing.</summary>
    private const string GrantAdvice = "run as root or grant CAP_BPF and CAP_PERFMON (and CAP_SYS_ADMIN for uprobes since Linux 6.16)";

    public static ExitCode Report(Exception exception, CliConsole console)
    {
        ExitCode code = Classify(exception);
        console.WriteError(code == ExitCode.InternalError
            ? $"internal error ({exception.GetType().Name}): {OneLine(exception.Message)}"
            : OneLine(Message(exception)));
        return code;
    }

    /// <summary>
    /// The kernel's EPERM is worded like the up-front check (<see cref="PrivilegeCheck"/>): which
    /// capability is missing, or why holding them was not enough. Everything else says itself.
    /// </summary>
    private static string Message(Exception exception)
    {
        if (exception is BpfPermissionException refusal)
        {
            try
            {
                return PrivilegeCheck.Current().KernelRefusal(refusal);
            }
            catch (Exception e) when (e is InvalidOperationException or BpfException)
            {
                // /proc/self/status unreadable, or no uprobe PMU to ask: the kernel's words and the general advice.
                return $"{refusal.Call} failed: {Errno.Name(refusal.Errno)}: not permitted; {GrantAdvice}";
            }
        }
        return exception.Message;
    }

    /// <summary>The exit code of a failure: its kind's, or <see cref="ExitCode.InternalError"/> for anything unexpected.</summary>
    public static ExitCode Classify(Exception exception) => exception is ProbesException expected ? ExitCodeOf(expected.Kind) : ExitCode.InternalError;

    /// <summary>The one mapping from a failure's kind to the documented exit code.</summary>
    public static ExitCode ExitCodeOf(ErrorKind kind) => kind switch
    {
        ErrorKind.Usage => ExitCode.Usage,
        ErrorKind.NotFound => ExitCode.NotFound,
        ErrorKind.BadInput => ExitCode.BadInput,
        ErrorKind.Privileges => ExitCode.Privileges,
        ErrorKind.KernelRefused => ExitCode.KernelRefused,
        ErrorKind.OutputFailed => ExitCode.OutputFailed,
        _ => ExitCode.InternalError,
    };

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
