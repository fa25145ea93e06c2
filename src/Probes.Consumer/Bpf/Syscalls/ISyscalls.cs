namespace Probes.Consumer.Bpf.Syscalls;

/// <summary>
/// Every system call the engine makes goes through this seam (the aya habit), so tests can
/// replace the kernel with a fake. Each call returns the kernel's result, or -1 with
/// <paramref name="errno"/> set; nothing here throws. <see cref="Kernel"/> turns failures
/// into typed exceptions.
/// </summary>
public unsafe interface ISyscalls
{
    /// <summary><c>bpf(cmd, attr, size)</c>.</summary>
    long Bpf(BpfCommand command, void* attr, uint size, out int errno);

    /// <summary><c>perf_event_open(attr, pid, cpu, group_fd, flags)</c>.</summary>
    int PerfEventOpen(void* attr, int pid, int cpu, int groupFd, ulong flags, out int errno);

    /// <summary><c>ioctl(fd, request, arg)</c>.</summary>
    int Ioctl(int fd, ulong request, nint argument, out int errno);

    /// <summary><c>close(fd)</c>.</summary>
    int Close(int fd);

    /// <summary><c>mmap(NULL, length, prot, MAP_SHARED, fd, offset)</c>; returns -1 on failure.</summary>
    nint MapShared(int fd, nuint length, int protection, long offset, out int errno);

    /// <summary><c>munmap(address, length)</c>.</summary>
    int Unmap(nint address, nuint length);

    /// <summary><c>epoll_create1(EPOLL_CLOEXEC)</c>.</summary>
    int EpollCreate(out int errno);

    /// <summary><c>epoll_ctl(epfd, EPOLL_CTL_ADD, fd, {EPOLLIN, data = fd})</c>.</summary>
    int EpollAddReadable(int epollFd, int fd, out int errno);

    /// <summary><c>epoll_wait(epfd, events, 1, timeout)</c>: number of ready descriptors, 0 on time-out.</summary>
    int EpollWait(int epollFd, int timeoutMilliseconds, out int errno);
}
