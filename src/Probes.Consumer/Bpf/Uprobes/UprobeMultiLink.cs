using System.Text;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Syscalls;

namespace Probes.Consumer.Bpf.Uprobes;

/// <summary>
/// One program on many sites of one file: a BPF_LINK_CREATE of attach type
/// BPF_TRACE_UPROBE_MULTI with the path, each site's offset, semaphore offset (ref_ctr_offset)
/// and cookie, and the pid filter. The kernel registers the sites in the order given, each
/// already running the program when its breakpoint goes in and its semaphore goes up, and
/// unregisters them all on one grace period when the link closes (Dispose, exit, SIGKILL).
///
/// The path is resolved by the kernel like an open with symlinks followed, so the
/// <c>/proc/self/fd/N</c> of a pinned descriptor reaches exactly that inode (the link's fdinfo
/// then shows the file's own path); the kernel attaches to its real inode (<c>d_real_inode</c>),
/// as perf uprobes do. A pid is a process of our pid namespace; the kernel installs the
/// breakpoints only in its address space and runs the program only in its threads.
/// </summary>
public sealed unsafe class UprobeMultiLink : IDisposable
{
    private UprobeMultiLink(BpfProgram program, IReadOnlyList<(UprobeTarget Target, ulong Cookie)> sites, BpfLinkHandle link)
    {
        Program = program;
        Sites = sites;
        Targets = sites.Select(s => s.Target).ToArray();
        Handle = link;
    }

    /// <summary>The program every site runs (the link holds a reference to it).</summary>
    public BpfProgram Program { get; }

    /// <summary>The sites with their cookies, in the order the kernel registered them.</summary>
    public IReadOnlyList<(UprobeTarget Target, ulong Cookie)> Sites { get; }

    /// <summary>The sites, in the order the kernel registered them.</summary>
    public IReadOnlyList<UprobeTarget> Targets { get; }

    public BpfLinkHandle Handle { get; }

    /// <summary>
    /// Attaches <paramref name="program"/> (loaded with expected attach type
    /// <see cref="BpfAttachType.TraceUprobeMulti"/>) to every site; all share one path and pid.
    /// All or nothing: if the kernel refuses one site it removes the ones it had placed.
    /// </summary>
    public static UprobeMultiLink Attach(Kernel kernel, BpfProgram program, IReadOnlyList<(UprobeTarget Target, ulong Cookie)> sites)
    {
        if (sites.Count == 0)
        {
            throw new ArgumentException("a uprobe_multi link needs at least one site", nameof(sites));
        }
        UprobeTarget first = sites[0].Target;
        if (sites.Any(s => s.Target.Path != first.Path || s.Target.Pid != first.Pid))
        {
            throw new ArgumentException("all sites of a uprobe_multi link share one path and one pid", nameof(sites));
        }
        ulong[] offsets = sites.Select(s => s.Target.FileOffset).ToArray();
        ulong[] semaphores = sites.Select(s => s.Target.SemaphoreFileOffset ?? 0).ToArray();
        ulong[] cookies = sites.Select(s => s.Cookie).ToArray();
        byte[] path = Encoding.UTF8.GetBytes(first.Path + "\0");
        UprobeTarget[] targets = sites.Select(s => s.Target).ToArray();
        var copied = sites.ToArray();
        bool added = false;
        program.Handle.DangerousAddRef(ref added);
        try
        {
            fixed (byte* pathPointer = path)
            fixed (ulong* offsetPointer = offsets)
            fixed (ulong* semaphorePointer = semaphores)
            fixed (ulong* cookiePointer = cookies)
            {
                var attr = new UprobeMultiLinkCreateAttr
                {
                    ProgFd = (uint)program.Handle.Fd,
                    AttachType = (uint)BpfAttachType.TraceUprobeMulti,
                    Path = (ulong)pathPointer,
                    Offsets = (ulong)offsetPointer,
                    RefCtrOffsets = semaphores.Any(s => s != 0) ? (ulong)semaphorePointer : 0,
                    Cookies = (ulong)cookiePointer,
                    Count = (uint)sites.Count,
                    Pid = (uint)(first.Pid ?? 0),
                };
                return new UprobeMultiLink(program, copied, kernel.LinkCreate(ref attr));
            }
        }
        catch (BpfSyscallException e) when (e is not BpfPermissionException)
        {
            throw new UprobeAttachException(targets, e);
        }
        finally
        {
            if (added)
            {
                program.Handle.DangerousRelease();
            }
        }
    }

    public void Dispose() => Handle.Dispose();
}
