using System.Runtime.InteropServices;

namespace Probes.Consumer.Bpf.Syscalls;

/// <summary>The real kernel, through libc. syscall(2) is used for bpf and perf_event_open, which glibc does not wrap.</summary>
public sealed unsafe partial class LibcSyscalls : ISyscalls
{
    public static readonly LibcSyscalls Instance = new();

    private const long SysBpf = 321;
    private const long SysPerfEventOpen = 298;
    private const int MapSharedFlag = 0x01;
    private const int EpollCloexec = 0x80000;
    private const int EpollCtlAdd = 1;
    private const uint EpollIn = 0x001;

    private LibcSyscalls() { }

    public long Bpf(BpfCommand command, void* attr, uint size, out int errno)
    {
        long result = syscall(SysBpf, (nint)command, (nint)attr, (nint)size);
        errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
        return result;
    }

    public int PerfEventOpen(void* attr, int pid, int cpu, int groupFd, ulong flags, out int errno)
    {
        long result = syscall(SysPerfEventOpen, (nint)attr, pid, cpu, groupFd, (nint)flags);
        errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
        return (int)result;
    }

    public int Ioctl(int fd, ulong request, nint argument, out int errno)
    {
        int result = ioctl(fd, (nuint)request, argument);
        errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
        return result;
    }

    public int Close(int fd) => close(fd);

    public nint MapShared(int fd, nuint length, int protection, long offset, out int errno)
    {
        nint result = mmap(0, length, protection, MapSharedFlag, fd, offset);
        errno = result == -1 ? Marshal.GetLastPInvokeError() : 0;
        return result;
    }

    public int Unmap(nint address, nuint length) => munmap(address, length);

    public int EpollCreate(out int errno)
    {
        int result = epoll_create1(EpollCloexec);
        errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
        return result;
    }

    public int EpollAddReadable(int epollFd, int fd, out int errno)
    {
        EpollEvent ev = new() { Events = EpollIn, Data = (ulong)fd };
        int result = epoll_ctl(epollFd, EpollCtlAdd, fd, &ev);
        errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
        return result;
    }

    public int EpollWait(int epollFd, int timeoutMilliseconds, out int errno)
    {
        EpollEvent ev;
        int result = epoll_wait(epollFd, &ev, 1, timeoutMilliseconds);
        errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;
        return result;
    }

    // struct epoll_event is packed on x86-64: u32 events followed directly by the u64 data.
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    private struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    // syscall(2) is variadic; on x86-64 integer arguments travel in the same registers either way.
    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, nint a1, nint a2, nint a3);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, nint a1, nint a2, nint a3, nint a4, nint a5);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ioctl(int fd, nuint request, nint argument);

    [LibraryImport("libc")]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc")]
    private static partial int munmap(nint address, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epollFd, int operation, int fd, EpollEvent* ev);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int epollFd, EpollEvent* events, int maxEvents, int timeout);
}
