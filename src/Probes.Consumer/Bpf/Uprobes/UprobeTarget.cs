namespace Probes.Consumer.Bpf.Uprobes;

/// <summary>
/// Where to put one uprobe: a file as the kernel is to open it, the probe instruction's file
/// offset, the semaphore's file offset when the probe has one (the kernel then raises it in
/// every process mapping the file, including later ones), and a pid to trace only that process
/// (null: every process mapping the file).
///
/// For a target's file <see cref="Path"/> is <c>/proc/self/fd/N</c> of the descriptor the CLI
/// pinned when it read the notes (Targets/PinnedFile): the kernel follows that link to exactly
/// that inode, so a symlink or mount inside a container cannot redirect the uprobe to a host
/// file. The descriptor must stay open until the attach. <see cref="ShownPath"/> is how messages
/// name the file (e.g. <c>/proc/PID/root/app/lib.so</c>); null shows <see cref="Path"/>.
/// </summary>
public sealed record UprobeTarget(string Path, ulong FileOffset, ulong? SemaphoreFileOffset = null, int? Pid = null)
{
    public string? ShownPath { get; init; }

    public override string ToString() =>
        $"{ShownPath ?? Path}+0x{FileOffset:x}{(SemaphoreFileOffset is { } s ? $" (semaphore 0x{s:x})" : "")}{(Pid is { } p ? $" pid {p}" : "")}";
}
