using Probes.Consumer.Bpf.Instructions;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Syscalls;

namespace Probes.Consumer.Bpf.Uprobes;

/// <summary>
/// How this kernel lets a program onto uprobes, asked of the kernel itself, never of its version
/// (distributions backport): each probe is a BPF_LINK_CREATE that must fail, and how it fails
/// says whether the kernel knows the request. Costs two tiny program loads and three failing
/// calls, about a millisecond.
/// <list type="bullet">
/// <item><see cref="UprobeMultiLinks"/> (Linux 6.6+): a link of attach type BPF_TRACE_UPROBE_MULTI
/// on the path "/" fails with EBADF (not a regular file) where the attach type exists, with
/// EINVAL (unknown attach type) where it does not.</item>
/// <item><see cref="UprobeMultiPidFilter"/> (Linux 6.10+ and backports): the first kernels with
/// uprobe_multi ran a pid-filtered link's program only for the pid's main thread. The fix also
/// made a negative pid fail with EINVAL before the path is looked at, so pid -1 with the path
/// "/" fails with EINVAL on a fixed kernel and with EBADF on one that is not.</item>
/// <item><see cref="PerfLinks"/> (Linux 5.15+): a link of attach type BPF_PERF_EVENT on the
/// descriptor -1 fails with EBADF where perf links (which carry a cookie) exist, with EINVAL
/// where they do not.</item>
/// </list>
/// The same probes decide libbpf's FEAT_UPROBE_MULTI_LINK and FEAT_PERF_LINK.
/// </summary>
public sealed record UprobeFeatures(bool UprobeMultiLinks, bool UprobeMultiPidFilter, bool PerfLinks, string? UprobeMultiAbsence)
{
    /// <summary>A kernel that has none of it: perf uprobes with PERF_EVENT_IOC_SET_BPF.</summary>
    public static UprobeFeatures None { get; } = new(false, false, false, "not probed");

    private static readonly Instruction[] ReturnZero = [Asm.Mov(Register.R0, 0), Asm.Exit()];

    public static UprobeFeatures Detect(Kernel kernel)
    {
        (bool multi, bool pidFilter, string? absence) = ProbeUprobeMulti(kernel);
        return new UprobeFeatures(multi, pidFilter, ProbePerfLinks(kernel), absence);
    }

    /// <summary>The method a target gets: the best this kernel has, at most <paramref name="limit"/>.</summary>
    public UprobeAttachMethod MethodFor(UprobeTarget target, UprobeAttachMethod limit)
    {
        if (limit >= UprobeAttachMethod.UprobeMulti && UprobeMultiLinks && (target.Pid is null || UprobeMultiPidFilter))
        {
            return UprobeAttachMethod.UprobeMulti;
        }
        return limit >= UprobeAttachMethod.PerfLink && PerfLinks ? UprobeAttachMethod.PerfLink : UprobeAttachMethod.PerfIoctl;
    }

    /// <summary>Why a target did not get a uprobe_multi link (for <c>--verbose</c>), or null when it did.</summary>
    public string? WhyNotUprobeMulti(UprobeTarget target, UprobeAttachMethod limit) =>
        MethodFor(target, limit) == UprobeAttachMethod.UprobeMulti ? null
        : limit < UprobeAttachMethod.UprobeMulti ? $"uprobe_multi links switched off ({UprobeAttachMethods.EnvironmentVariable}={limit.Name()})"
        : !UprobeMultiLinks ? $"this kernel has no uprobe_multi links ({UprobeMultiAbsence})"
        : "this kernel's uprobe_multi pid filter follows the main thread only (fixed in Linux 6.10), so --pid uses perf uprobes";

    private static unsafe (bool Multi, bool PidFilter, string? Absence) ProbeUprobeMulti(Kernel kernel)
    {
        BpfProgram program;
        try
        {
            program = BpfProgram.Load(kernel, "probe_umulti", BpfProgramType.Kprobe, ReturnZero, "GPL", BpfAttachType.TraceUprobeMulti, 0);
        }
        catch (BpfSyscallException e) when (e is not BpfPermissionException)
        {
            return (false, false, $"a program for BPF_TRACE_UPROBE_MULTI does not load: {Errno.Name(e.Errno)}");
        }
        using (program)
        {
            int first = FailingLink(kernel, program, pid: 0);
            if (first != Errno.EBADF)
            {
                return (false, false, $"BPF_LINK_CREATE of BPF_TRACE_UPROBE_MULTI: {(first == 0 ? "accepted a directory" : Errno.Name(first))}");
            }
            return (true, FailingLink(kernel, program, pid: -1) == Errno.EINVAL, null);
        }
    }

    /// <summary>A uprobe_multi link on "/" (a directory, never attachable); returns its errno (0 if it was made, and then closed).</summary>
    private static unsafe int FailingLink(Kernel kernel, BpfProgram program, int pid)
    {
        byte* root = stackalloc byte[2];
        root[0] = (byte)'/';
        root[1] = 0;
        ulong offset = 0;
        var attr = new UprobeMultiLinkCreateAttr
        {
            ProgFd = (uint)program.Handle.Fd,
            AttachType = (uint)BpfAttachType.TraceUprobeMulti,
            Path = (ulong)root,
            Offsets = (ulong)&offset,
            Count = 1,
            Pid = unchecked((uint)pid),
        };
        return Attempt(kernel, ref attr);
    }

    private static unsafe bool ProbePerfLinks(Kernel kernel)
    {
        BpfProgram program;
        try
        {
            program = BpfProgram.Load(kernel, "probe_perflink", BpfProgramType.Kprobe, ReturnZero);
        }
        catch (BpfSyscallException e) when (e is not BpfPermissionException)
        {
            return false;
        }
        using (program)
        {
            var attr = new PerfLinkCreateAttr
            {
                ProgFd = (uint)program.Handle.Fd,
                TargetFd = uint.MaxValue, // -1: no such descriptor
                AttachType = (uint)BpfAttachType.PerfEvent,
            };
            return Attempt(kernel, ref attr) == Errno.EBADF;
        }
    }

    private static int Attempt<TAttr>(Kernel kernel, ref TAttr attr) where TAttr : unmanaged
    {
        try
        {
            kernel.LinkCreate(ref attr).Dispose();
            return 0;
        }
        catch (BpfPermissionException)
        {
            throw;
        }
        catch (BpfSyscallException e)
        {
            return e.Errno;
        }
    }
}
