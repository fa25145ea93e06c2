using System.Text;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Syscalls;

namespace Probes.Consumer.Bpf.Uprobes;

/// <summary>
/// A BPF program attached to a uprobe through the perf uprobe PMU: perf_event_open with the
/// file path, offset and ref_ctr_offset, then PERF_EVENT_IOC_SET_BPF and ENABLE. Nothing is
/// written to tracefs; when the perf descriptor closes (Dispose, exit, SIGKILL) the kernel
/// removes the probe and decrements the semaphore in every process.
/// </summary>
public sealed unsafe class UprobeAttachment : IDisposable
{
    private UprobeAttachment(UprobeTarget target, PerfEventHandle perfEvent)
    {
        Target = target;
        PerfEvent = perfEvent;
    }

    public UprobeTarget Target { get; }

    public PerfEventHandle PerfEvent { get; }

    public static UprobeAttachment Attach(Kernel kernel, BpfProgram program, UprobeTarget target, bool returnProbe = false)
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
        try
        {
            bool added = false;
            program.Handle.DangerousAddRef(ref added);
            try
            {
                kernel.Ioctl(perfEvent, PerfIoctl.SetBpf, program.Handle.Fd, "PERF_EVENT_IOC_SET_BPF");
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
            perfEvent.Dispose();
            throw;
        }
        return new UprobeAttachment(target, perfEvent);
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

    public void Dispose() => PerfEvent.Dispose();
}

/// <summary>
/// perf_event_open refused a uprobe; names the target (ESRCH: process gone, ENOENT: file gone,
/// EINVAL: bad offset). A target that went away is not found; anything else the kernel refused.
/// </summary>
public sealed class UprobeAttachException(UprobeTarget target, BpfSyscallException inner)
    : BpfException(inner.Errno is Syscalls.Errno.ENOENT or Syscalls.Errno.ESRCH ? ErrorKind.NotFound : ErrorKind.KernelRefused, $"cannot attach uprobe at {target}: {inner.Message}", inner)
{
    public UprobeTarget Target { get; } = target;

    public int Errno => ((BpfSyscallException)InnerException!).Errno;
}
