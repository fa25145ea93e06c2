using System.Runtime.InteropServices;

namespace Probes.Consumer.Bpf.Syscalls;

/// <summary>An mmap'ed region, unmapped when released (also by the finalizer if someone forgets).</summary>
public sealed class MappedMemory : SafeHandle
{
    private readonly ISyscalls _syscalls;

    public MappedMemory(ISyscalls syscalls, nint address, nuint length)
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
        _syscalls = syscalls;
        Length = length;
        SetHandle(address);
    }

    public nuint Length { get; }

    public nint Address => handle;

    public override bool IsInvalid => handle == -1 || handle == 0;

    /// <summary>Maps <paramref name="length"/> bytes of <paramref name="fd"/> at <paramref name="offset"/> shared.</summary>
    public static MappedMemory Map(ISyscalls syscalls, BpfFileDescriptor fd, nuint length, int protection, long offset, string what)
    {
        nint address = syscalls.MapShared(fd.Fd, length, protection, offset, out int errno);
        if (address == -1)
        {
            throw Kernel.Failure($"mmap({what})", errno);
        }
        return new MappedMemory(syscalls, address, length);
    }

    protected override bool ReleaseHandle() => _syscalls.Unmap(handle, Length) == 0;
}
