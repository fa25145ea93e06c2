namespace Probes.Consumer.Bpf.Btf;

/// <summary>
/// Where the running kernel keeps a task's %fs and %gs bases: <c>task_struct.thread.fsbase</c>
/// and <c>.gsbase</c> on x86-64, as byte offsets from the task. A <c>%fs:</c> operand (a
/// thread-local variable, <c>%fs:tv@tpoff</c>) adds the thread pointer found there. Offsets
/// differ between kernel builds, so they come from vmlinux BTF, read once and only when a
/// probe needs them.
/// </summary>
public sealed record SegmentBaseOffsets(int FsBase, int GsBase)
{
    private static readonly Lazy<SegmentBaseOffsets> Cached = new(() => Read(KernelBtf.LoadVmlinux()));

    /// <summary>The running kernel's offsets (<see cref="BpfNotSupportedException"/> without BTF).</summary>
    public static SegmentBaseOffsets RunningKernel => Cached.Value;

    public static SegmentBaseOffsets Read(KernelBtf btf)
    {
        int thread = btf.MemberOffset("task_struct", "thread");
        return new SegmentBaseOffsets(thread + btf.MemberOffset("thread_struct", "fsbase"), thread + btf.MemberOffset("thread_struct", "gsbase"));
    }
}
