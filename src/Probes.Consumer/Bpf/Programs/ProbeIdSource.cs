namespace Probes.Consumer.Bpf.Programs;

/// <summary>Where a generated USDT program takes the probe id it writes into each record.</summary>
public enum ProbeIdSource
{
    /// <summary>Compiled into the program: one program per probe (the attachment cannot carry a cookie).</summary>
    Constant,

    /// <summary>
    /// The low 32 bits of <c>bpf_get_attach_cookie</c>: the attachment says which probe fired, so
    /// one program serves every site whose arguments are fetched the same way (uprobe_multi
    /// links and perf links carry a cookie per site; PERF_EVENT_IOC_SET_BPF does not).
    /// </summary>
    AttachCookie,
}
