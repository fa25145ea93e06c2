using System.Text;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Syscalls;

namespace Probes.Consumer.Bpf.Uprobes;

/// <summary>
/// A BPF program attached to a uprobe through the perf uprobe PMU: perf_event_open with the
/// file path, offset and ref_ctr_offset, then the program, either with PERF_EVENT_IOC_SET_BPF
/// or, to give it a cookie, with a BPF perf link; then ENABLE. Nothing is written to tracefs;
/// when the perf descriptor closes (Dispose, exit, SIGKILL) the kernel removes the probe and
/// decrements the semaphore in every process.
/// </summary>
public sealed unsafe class UprobeAttachment : IDisposable
{
    private UprobeAttachment(UprobeTarget target, PerfEventHandle perfEvent, BpfLinkHandle? link)
    {
        Target = target;
        PerfEvent = perfEvent;
        Link = link;
    }

    public UprobeTarget Target { get; }

    public PerfEventHandle PerfEvent { get; }

    /// <summary>The perf link holding the program, when it was attached with a cookie.</summary>
    public BpfLinkHandle? Link { get; }

    /// <summary>
    /// Opens the uprobe and attaches <paramref name="program"/>: with a BPF perf link carrying
    /// <paramref name="cookie"/> when one is given (Linux 5.15+), else with PERF_EVENT_IOC_SET_BPF.
    /// </summary>
    public static UprobeAttachment Attach(Kernel kernel, BpfProgram program, UprobeTarget target, bool returnProbe = false, ulong? cookie = null)
    {
        byte[] path = Encoding.UTF8.GetBytes(target.Path + "\0");
        PerfEventHandle perfEvent;
        fixed (byte* pathPointer = path)
        {
            var attr = new PerfEventAttr
            {
                Type = UprobePmu.Type,
                Size = PerfEventAttr.SizeVer7,
                Config = UprobePmu.Config(target.SemaphoreFileOffset, returnProbe),
                Config1 = (ulong)pathPointer,
                Config2 = target.FileOffset,
            };
            // A uprobe perf event needs either a pid (any cpu) or a cpu (any pid). The BPF
            // program runs on whichever CPU hits the probe, so cpu 0 with pid -1 covers all.
            int pid = target.Pid ?? -1;
            int cpu = target.Pid is null ? 0 : -1;
            try
            {
                perfEvent = kernel.PerfEventOpen(ref attr, pid, cpu);
            }
            catch (BpfSyscallException e) when (e is not BpfPermissionException)
            {
                throw new UprobeAttachException(target, e);
            }
        }
        BpfLinkHandle? link = null;
        try
        {
            bool added = false;
            program.Handle.DangerousAddRef(ref added);
            try
            {
                if (cookie is { } value)
                {
                    link = LinkWithCookie(kernel, program, perfEvent, value);
                }
                else
                {
                    kernel.Ioctl(perfEvent, PerfIoctl.SetBpf, program.Handle.Fd, "PERF_EVENT_IOC_SET_BPF");
                }
            }
            finally
            {
                if (added)
                {
                    program.Handle.DangerousRelease();
                }
            }
            kernel.Ioctl(perfEvent, PerfIoctl.Enable, 0, "PERF_EVENT_IOC_ENABLE");
        }
        catch
        {
            link?.Dispose();
            perfEvent.Dispose();
            throw;
        }
        return new UprobeAttachment(target, perfEvent, link);
    }

    private static BpfLinkHandle LinkWithCookie(Kernel kernel, BpfProgram program, PerfEventHandle perfEvent, ulong cookie)
    {
        bool added = false;
        perfEvent.DangerousAddRef(ref added);
        try
        {
            var attr = new PerfLinkCreateAttr
            {
                ProgFd = (uint)program.Handle.Fd,
                TargetFd = (uint)perfEvent.Fd,
                AttachType = (uint)BpfAttachType.PerfEvent,
                BpfCookie = cookie,
            };
            return kernel.LinkCreate(ref attr);
        }
        finally
        {
            if (added)
            {
                perfEvent.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Whether the kernel lets this process create uprobes, asked without making one: a perf
    /// uprobe with an empty path is refused with EACCES by the capability check (CAP_SYS_ADMIN
    /// since Linux 6.16, CAP_PERFMON before) and otherwise fails looking the path up.
    /// </summary>
    public static bool MayCreateUprobes(Kernel kernel)
    {
        byte* emptyPath = stackalloc byte[1];
        emptyPath[0] = 0;
        var attr = new PerfEventAttr
        {
            Type = UprobePmu.Type,
            Size = PerfEventAttr.SizeVer7,
            Config1 = (ulong)emptyPath,
        };
        try
        {
            kernel.PerfEventOpen(ref attr, -1, 0).Dispose();
            return true;
        }
        catch (BpfPermissionException)
        {
            return false;
        }
        catch (BpfSyscallException)
        {
            return true; // past the capability check: ENOENT or EINVAL for the empty path
        }
    }

    public void Dispose()
    {
        Link?.Dispose();
        PerfEvent.Dispose();
    }
}

/// <summary>
/// The kernel refused a uprobe (perf_event_open, or the BPF_LINK_CREATE of a uprobe_multi link);
/// names the target (ESRCH: process gone, ENOENT: file gone, EINVAL: bad offset). For a
/// uprobe_multi link, <see cref="Target"/> is its first site and the message counts the others:
/// the kernel does not say which offset it refused.
/// </summary>
public sealed class UprobeAttachException : BpfException
{
    public UprobeAttachException(UprobeTarget target, BpfSyscallException inner)
        : base(inner.Errno is Syscalls.Errno.ENOENT or Syscalls.Errno.ESRCH ? ErrorKind.NotFound : ErrorKind.KernelRefused, $"cannot attach uprobe at {target}: {inner.Message}", inner)
    {
        Target = target;
    }

    public UprobeAttachException(IReadOnlyList<UprobeTarget> targets, BpfSyscallException inner)
        : base(inner.Errno is Syscalls.Errno.ENOENT or Syscalls.Errno.ESRCH ? ErrorKind.NotFound : ErrorKind.KernelRefused, targets.Count == 1
            ? $"cannot attach uprobe at {targets[0]}: {inner.Message}"
            : $"cannot attach {targets.Count} uprobes at {targets[0].ShownPath ?? targets[0].Path} (offsets 0x{targets[0].FileOffset:x} and {targets.Count - 1} more){(targets[0].Pid is { } pid ? $" pid {pid}" : "")}: {inner.Message}", inner)
    {
        Target = targets[0];
    }

    public UprobeTarget Target { get; }

    public int Errno => ((BpfSyscallException)InnerException!).Errno;
}
