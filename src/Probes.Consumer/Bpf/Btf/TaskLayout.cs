namespace Probes.Consumer.Bpf.Btf;

/// <summary>
/// Byte offsets inside kernel structures that the generated program walks to find the
/// task's pid namespace view and namespace inodes. They differ between kernel builds, so they
/// come from the running kernel's BTF (<see cref="KernelBtf.ReadTaskLayout"/>).
/// <code>
/// ns tid   = task->thread_pid->numbers[task->thread_pid->level].nr
/// ns pid   = task->group_leader->thread_pid->numbers[level].nr
/// pidns    = task->thread_pid->numbers[level].ns->ns.inum      (the active pid namespace)
/// mntns    = task->nsproxy->mnt_ns->ns.inum
/// </code>
/// </summary>
public sealed record TaskLayout(
    int TaskThreadPid,
    int TaskGroupLeader,
    int TaskNsproxy,
    int PidLevel,
    int PidNumbers,
    int UpidSize,
    int UpidNr,
    int UpidNs,
    int PidNamespaceNs,
    int NsproxyMountNamespace,
    int MountNamespaceNs,
    int NsCommonInum);
