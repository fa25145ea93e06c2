using System.Runtime.InteropServices;

namespace Probes.Consumer.Bpf.Syscalls;

/// <summary>
/// Owns one kernel file descriptor and closes it through the seam that opened it, so a
/// fake seam never closes a real descriptor. Closing the fd is what detaches and frees
/// everything in the kernel, also when the process dies.
/// </summary>
public abstract class BpfFileDescriptor : SafeHandle
{
    private readonly ISyscalls _syscalls;

    protected BpfFileDescriptor(ISyscalls syscalls, int fd)
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
        _syscalls = syscalls;
        SetHandle(fd);
    }

    public override bool IsInvalid => handle < 0;

    /// <summary>The raw descriptor; valid only while this handle is alive (use with DangerousAddRef for long calls).</summary>
    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => _syscalls.Close((int)handle) == 0;
}

/// <summary>A BPF map descriptor.</summary>
public sealed class BpfMapHandle(ISyscalls syscalls, int fd) : BpfFileDescriptor(syscalls, fd);

/// <summary>A loaded BPF program descriptor.</summary>
public sealed class BpfProgramHandle(ISyscalls syscalls, int fd) : BpfFileDescriptor(syscalls, fd);

/// <summary>A perf event descriptor (a uprobe); closing it detaches the program and drops the semaphore reference.</summary>
public sealed class PerfEventHandle(ISyscalls syscalls, int fd) : BpfFileDescriptor(syscalls, fd);

/// <summary>A BPF link descriptor; closing it detaches the program (for uprobe links: removes the uprobes, lowers their semaphores).</summary>
public sealed class BpfLinkHandle(ISyscalls syscalls, int fd) : BpfFileDescriptor(syscalls, fd);

/// <summary>An epoll instance descriptor.</summary>
public sealed class EpollHandle(ISyscalls syscalls, int fd) : BpfFileDescriptor(syscalls, fd);
