namespace Probes.Consumer.Bpf.Instructions;

/// <summary>BPF helper ids (the FN() list of include/uapi/linux/bpf.h; numbers checked against the 6.x header).</summary>
public enum HelperFunction
{
    /// <summary><c>void *bpf_map_lookup_elem(map, key)</c>: pointer to the value, or NULL.</summary>
    MapLookupElem = 1,
    /// <summary><c>long bpf_map_update_elem(map, key, value, flags)</c>: 0, or a negative errno (-E2BIG when full, -EEXIST with BPF_NOEXIST).</summary>
    MapUpdateElem = 2,
    /// <summary><c>long bpf_map_delete_elem(map, key)</c>: 0, or -ENOENT.</summary>
    MapDeleteElem = 3,
    /// <summary><c>u64 bpf_ktime_get_ns(void)</c>: CLOCK_MONOTONIC nanoseconds.</summary>
    KtimeGetNs = 5,
    /// <summary><c>u64 bpf_get_current_pid_tgid(void)</c>: tgid &lt;&lt; 32 | tid, as seen from the initial pid namespace.</summary>
    GetCurrentPidTgid = 14,
    /// <summary><c>long bpf_get_current_comm(char *buf, u32 size)</c>.</summary>
    GetCurrentComm = 16,
    /// <summary><c>u64 bpf_get_current_task(void)</c>: the current task_struct pointer.</summary>
    GetCurrentTask = 35,
    /// <summary><c>u64 bpf_get_current_cgroup_id(void)</c>: the cgroup v2 id of the current task.</summary>
    GetCurrentCgroupId = 80,
    /// <summary><c>long bpf_probe_read_user(void *dst, u32 size, const void *user_ptr)</c>; zeroes dst on failure.</summary>
    ProbeReadUser = 112,
    /// <summary><c>long bpf_probe_read_kernel(void *dst, u32 size, const void *kernel_ptr)</c>; zeroes dst on failure.</summary>
    ProbeReadKernel = 113,
    /// <summary><c>long bpf_probe_read_user_str(void *dst, u32 size, const void *user_ptr)</c>: length with the NUL, or negative.</summary>
    ProbeReadUserStr = 114,
    /// <summary><c>long bpf_get_ns_current_pid_tgid(u64 dev, u64 ino, struct bpf_pidns_info *nsdata, u32 size)</c>.</summary>
    GetNsCurrentPidTgid = 120,
    /// <summary><c>long bpf_seq_write(struct seq_file *m, const void *data, u32 len)</c>: output of an iterator program.</summary>
    SeqWrite = 127,
    /// <summary><c>struct task_struct *bpf_get_current_task_btf(void)</c>: a BTF-typed pointer the program may load from directly.</summary>
    GetCurrentTaskBtf = 158,
    /// <summary><c>long bpf_ringbuf_output(void *ringbuf, void *data, u64 size, u64 flags)</c>.</summary>
    RingbufOutput = 130,
    /// <summary><c>void *bpf_ringbuf_reserve(void *ringbuf, u64 size, u64 flags)</c>: NULL when the ring is full.</summary>
    RingbufReserve = 131,
    /// <summary><c>void bpf_ringbuf_submit(void *data, u64 flags)</c>.</summary>
    RingbufSubmit = 132,
    /// <summary><c>void bpf_ringbuf_discard(void *data, u64 flags)</c>.</summary>
    RingbufDiscard = 133,
    /// <summary><c>u64 bpf_ringbuf_query(void *ringbuf, u64 flags)</c>: e.g. BPF_RB_AVAIL_DATA = 0.</summary>
    RingbufQuery = 134,
    /// <summary><c>u64 bpf_get_attach_cookie(void *ctx)</c>: the cookie the attachment (a uprobe_multi offset, a perf link) was given.</summary>
    GetAttachCookie = 174,
}
