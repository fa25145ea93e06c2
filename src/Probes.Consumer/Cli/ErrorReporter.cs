using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Syscalls;
using Probes.Consumer.Bpf.Uprobes;
using Probes.Consumer.Elf;
using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Cli;

/// <summary>
/// Turns a failure into the one stderr line and the exit code the user sees. Expected
/// failures are <see cref="ProbesException"/>s; anything else is a bug, still reported in one
/// line (type and message, no stack trace) with <see cref="ExitCode.InternalError"/>.
/// </summary>
public static class ErrorReporter
{
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
                // /proc/self/status unreadable, or no uprobe PMU to ask: the kernel's words are all we have.
            }
        }
        return exception.Message;
    }

    public static ExitCode Classify(Exception exception) => exception switch
    {
        TargetNotFoundException => ExitCode.NotFound,
        UsageException => ExitCode.Usage,
        OutputException => ExitCode.OutputFailed,
        BpfPermissionException or MissingCapabilityException => ExitCode.Privileges,
        UprobeAttachException { InnerException: BpfSyscallException { Errno: Errno.ENOENT or Errno.ESRCH } } => ExitCode.NotFound,
        BpfVerifierException or BpfNotSupportedException or BpfException => ExitCode.KernelRefused,
        TargetAccessException => ExitCode.Privileges,
        TargetAmbiguousException => ExitCode.Usage,
        // The file found is not the one the target maps: untrustworthy input, like a corrupt note.
        TargetIdentityException => ExitCode.BadInput,
        ElfFormatException or UsdtNoteException or UsdtSpecException or Manifest.ManifestFormatException => ExitCode.BadInput,
        _ => ExitCode.InternalError,
    };

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
