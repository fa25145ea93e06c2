
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

    public int PerfEventOpen(void* attr, int pid, int cpu, int groupFd, ulong flags, out int errno)
    {
        errno = PerfErrno;
        return errno == 0 ? 2000 : -1;
    }

    public int Ioctl(int fd, ulong request, nint argument, out int errno)
    {
        errno = 0;
        return 0;
    }

    public int Close(int fd)
    {
        Closed.Add(fd);
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
