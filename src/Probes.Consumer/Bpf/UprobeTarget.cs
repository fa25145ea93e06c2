namespace Probes.Consumer.Bpf;

/// <summary>
/// Where to put one uprobe: a file (as the kernel can open it, e.g. <c>/proc/PID/root/app/lib.so</c>
/// for a container), the probe instruction's file offset, the semaphore's file offset when the
/// probe has one (the kernel then raises it in every process mapping the file, including later
/// ones), and a pid to trace only that process (null: every process mapping the file).
/// </summary>
public sealed record UprobeTarget(string Path, ulong FileOffset, ulong? SemaphoreFileOffset = null, int? Pid = null)
{
    public override string ToString() =>
        $"{Path}+0x{FileOffset:x}{(SemaphoreFileOffset is { } s ? $" (semaphore 0x{s:x})" : "")}{(Pid is { } p ? $" pid {p}" : "")}";
}
