namespace Probes.Consumer.Bpf.Syscalls;

/// <summary>
/// Typed wrappers over the seam: one method per bpf() command we use, plus perf_event_open
/// and ioctl. Failures become exceptions naming the call and errno; EPERM becomes
/// <see cref="BpfPermissionException"/>, naming the capabilities the kernel checks.
/// </summary>
public sealed unsafe class Kernel(ISyscalls syscalls)
{
    /// <summary>The real kernel.</summary>
    public static Kernel Default { get; } = new(LibcSyscalls.Instance);

    public ISyscalls Syscalls { get; } = syscalls;

    /// <summary>Attempts for a call that fails with EINTR (or EAGAIN from BPF_PROG_LOAD).</summary>
    public const int MaxTransientRetries = 5;

    /// <summary>Invokes bpf(cmd) with a typed attr, returning the non-negative result.</summary>
    public long Bpf<TAttr>(BpfCommand command, ref TAttr attr) where TAttr : unmanaged
    {
        fixed (TAttr* pointer = &attr)
        {
            for (int attempt = 1; ; attempt++)
            {
                long result = Syscalls.Bpf(command, pointer, (uint)sizeof(TAttr), out int errno);
                if (result >= 0)
                {
                    return result;
                }
                // BPF_PROG_LOAD can be interrupted while the verifier runs; the kernel asks us to
                // retry. Bounded (as libbpf does) so a kernel that keeps saying EAGAIN cannot hang us.
                bool transient = errno == Errno.EINTR || (errno == Errno.EAGAIN && command == BpfCommand.ProgLoad);
                if (!transient || attempt >= MaxTransientRetries)
                {
                    throw Failure($"bpf({command.UapiName()})", errno);
                }
            }
        }
    }

    public BpfMapHandle MapCreate(ref MapCreateAttr attr) =>
        new(Syscalls, checked((int)Bpf(BpfCommand.MapCreate, ref attr)));

    public BpfProgramHandle ProgramLoad(ref ProgLoadAttr attr) =>
        new(Syscalls, checked((int)Bpf(BpfCommand.ProgLoad, ref attr)));

    /// <summary>BPF_LINK_CREATE with a typed attr (the layout depends on the attach type).</summary>
    public BpfLinkHandle LinkCreate<TAttr>(ref TAttr attr) where TAttr : unmanaged =>
        new(Syscalls, checked((int)Bpf(BpfCommand.LinkCreate, ref attr)));

    /// <summary>Copies the value for <paramref name="key"/> into <paramref name="value"/>; false when the key is absent.</summary>
    public bool MapLookupElem(BpfMapHandle map, ReadOnlySpan<byte> key, Span<byte> value) =>
        MapElem(BpfCommand.MapLookupElem, map, key, value, 0, tolerateMissing: true);

    /// <summary>Creates or replaces an element (flags BPF_ANY = 0, BPF_NOEXIST = 1, BPF_EXIST = 2).</summary>
    public void MapUpdateElem(BpfMapHandle map, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ulong flags = 0)
    {
        fixed (byte* v = value)
        {
            MapElem(BpfCommand.MapUpdateElem, map, key, new Span<byte>(v, value.Length), flags, tolerateMissing: false);
        }
    }

    /// <summary>Deletes an element; false when it was absent.</summary>
    public bool MapDeleteElem(BpfMapHandle map, ReadOnlySpan<byte> key) =>
        MapElem(BpfCommand.MapDeleteElem, map, key, Span<byte>.Empty, 0, tolerateMissing: true);

    /// <summary>Writes the key after <paramref name="key"/> (or the first key when empty) into <paramref name="nextKey"/>; false at the end.</summary>
    public bool MapGetNextKey(BpfMapHandle map, ReadOnlySpan<byte> key, Span<byte> nextKey) =>
        MapElem(BpfCommand.MapGetNextKey, map, key, nextKey, 0, tolerateMissing: true);

    private bool MapElem(BpfCommand command, BpfMapHandle map, ReadOnlySpan<byte> key, Span<byte> value, ulong flags, bool tolerateMissing)
    {
        bool added = false;
        map.DangerousAddRef(ref added);
        try
        {
            fixed (byte* k = key)
            fixed (byte* v = value)
            {
                var attr = new MapElemAttr
                {
                    MapFd = (uint)map.Fd,
                    Key = key.IsEmpty ? 0 : (ulong)k,
                    ValueOrNextKey = value.IsEmpty ? 0 : (ulong)v,
                    Flags = flags,
                };
                long result = Syscalls.Bpf(command, &attr, (uint)sizeof(MapElemAttr), out int errno);
                if (result >= 0)
                {
                    return true;
                }
                if (tolerateMissing && errno == Errno.ENOENT)
                {
                    return false;
                }
                throw Failure($"bpf({command.UapiName()})", errno);
            }
        }
        finally
        {
            if (added)
            {
                map.DangerousRelease();
            }
        }
    }

    /// <summary>perf_event_open(2); the descriptor is close-on-exec.</summary>
    public PerfEventHandle PerfEventOpen(ref PerfEventAttr attr, int pid, int cpu)
    {
        fixed (PerfEventAttr* pointer = &attr)
        {
            int fd = Syscalls.PerfEventOpen(pointer, pid, cpu, -1, PerfIoctl.FlagFdCloexec, out int errno);
            if (fd < 0)
            {
                // perf_event_open reports a missing CAP_PERFMON as EACCES as well as EPERM.
                throw errno == Errno.EACCES
                    ? new BpfPermissionException("perf_event_open", errno)
                    : Failure("perf_event_open", errno);
            }
            return new PerfEventHandle(Syscalls, fd);
        }
    }

    public void Ioctl(BpfFileDescriptor target, ulong request, nint argument, string requestName)
    {
        bool added = false;
        target.DangerousAddRef(ref added);
        try
        {
            if (Syscalls.Ioctl(target.Fd, request, argument, out int errno) < 0)
            {
                throw Failure($"ioctl({requestName})", errno);
            }
        }
        finally
        {
            if (added)
            {
                target.DangerousRelease();
            }
        }
    }

    /// <summary>The exception for a failed call: EPERM means missing privileges, anything else names the errno.</summary>
    public static BpfSyscallException Failure(string call, int errno) => errno == Errno.EPERM
        ? new BpfPermissionException(call, errno)
        : new BpfSyscallException(call, errno);
}
