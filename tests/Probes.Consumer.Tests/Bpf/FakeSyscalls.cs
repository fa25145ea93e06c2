
using Probes.Consumer.Bpf.Syscalls;

namespace Probes.Consumer.Tests.Bpf;

/// <summary>A kernel stand-in: each bpf() call goes to <see cref="OnBpf"/>; descriptors are fake numbers.</summary>
internal sealed unsafe class FakeSyscalls : ISyscalls
{
    public delegate long BpfHandler(BpfCommand command, void* attr, uint size, out int errno);

    public BpfHandler OnBpf { get; set; } = (BpfCommand _, void* _, uint _, out int errno) => { errno = 0; return 1000; };

    public int PerfErrno { get; set; }

    public List<BpfCommand> Calls { get; } = [];

    public List<int> Closed { get; } = [];

    public long Bpf(BpfCommand command, void* attr, uint size, out int errno)
    {
        Calls.Add(command);
        return OnBpf(command, attr, size, out errno);
    }

    /// <summary>perf_event_open calls that succeeded: (fd, pid, config2 = the uprobe's file offset).</summary>
    public List<(int Fd, int Pid, ulong Offset)> PerfOpens { get; } = [];

    /// <summary>ioctl calls: (fd, request, argument).</summary>
    public List<(int Fd, ulong Request, nint Argument)> Ioctls { get; } = [];

    public int PerfEventOpen(void* attr, int pid, int cpu, int groupFd, ulong flags, out int errno)
    {
        errno = PerfErrno;
        if (errno != 0)
        {
            return -1;
        }
        int fd = 2000 + PerfOpens.Count;
        PerfOpens.Add((fd, pid, ((PerfEventAttr*)attr)->Config2));
        return fd;
    }

    public int Ioctl(int fd, ulong request, nint argument, out int errno)
    {
        Ioctls.Add((fd, request, argument));
        errno = 0;
        return 0;
    }

    public int Close(int fd)
    {
        lock (Closed) // detaching closes from several threads
        {
            Closed.Add(fd);
        }
        return 0;
    }

    /// <summary>Answers mmap(offset, length) with caller-owned memory; null makes mmap fail with ENOSYS.</summary>
    public Func<long, nuint, nint>? OnMap { get; set; }

    public nint MapShared(int fd, nuint length, int protection, long offset, out int errno)
    {
        errno = OnMap is null ? Errno.ENOSYS : 0;
        return OnMap?.Invoke(offset, length) ?? -1;
    }

    public int Unmap(nint address, nuint length) => 0;

    public int EpollCreate(out int errno)
    {
        errno = OnMap is null ? Errno.ENOSYS : 0;
        return OnMap is null ? -1 : 3000;
    }

    public int EpollAddReadable(int epollFd, int fd, out int errno)
    {
        errno = 0;
        return 0;
    }

    public int EpollWait(int epollFd, int timeoutMilliseconds, out int errno)
    {
        errno = 0;
        return 0;
    }
}
