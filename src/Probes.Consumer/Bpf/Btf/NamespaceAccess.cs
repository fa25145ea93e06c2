namespace Probes.Consumer.Bpf.Btf;

/// <summary>How the generated program reads the task's namespace fields.</summary>
public enum NamespaceAccess
{
    /// <summary>bpf_probe_read_kernel per pointer hop (works on any kernel with BTF offsets; ~11 helper calls).</summary>
    ProbeRead,

    /// <summary>Plain loads through bpf_get_current_task_btf (kernel 5.11+; a few ns per hop).</summary>
    BtfDirect,
}
