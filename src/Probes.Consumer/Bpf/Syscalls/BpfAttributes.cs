using System.Runtime.InteropServices;

namespace Probes.Consumer.Bpf.Syscalls;

// Typed views of union bpf_attr, one per command, laid out as in include/uapi/linux/bpf.h.
// Each is only as long as the fields we set; the kernel treats missing tail bytes as zero.

/// <summary>BPF_MAP_CREATE.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct MapCreateAttr
{
    public uint MapType;
    public uint KeySize;
    public uint ValueSize;
    public uint MaxEntries;
    public uint MapFlags;
    public uint InnerMapFd;
    public uint NumaNode;
    public fixed byte MapName[16];
}

/// <summary>BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM, BPF_MAP_GET_NEXT_KEY.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct MapElemAttr
{
    public uint MapFd;
    private readonly uint _pad;
    public ulong Key;
    /// <summary>The value pointer, or next_key for BPF_MAP_GET_NEXT_KEY.</summary>
    public ulong ValueOrNextKey;
    public ulong Flags;
}

/// <summary>BPF_PROG_LOAD.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct ProgLoadAttr
{
    public uint ProgType;
    public uint InsnCount;
    public ulong Insns;
    public ulong License;
    public uint LogLevel;
    public uint LogSize;
    public ulong LogBuf;
    public uint KernVersion;
    public uint ProgFlags;
    public fixed byte ProgName[16];
    public uint ProgIfIndex;
    public uint ExpectedAttachType;
    public uint ProgBtfFd;
    public uint FuncInfoRecSize;
    public ulong FuncInfo;
    public uint FuncInfoCnt;
    public uint LineInfoRecSize;
    public ulong LineInfo;
    public uint LineInfoCnt;
    /// <summary>For tracing programs: the BTF id (in vmlinux) of the function they attach to.</summary>
    public uint AttachBtfId;
}

/// <summary>BPF_LINK_CREATE for an iterator (attach type BPF_TRACE_ITER), with its bpf_iter_link_info.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct IterLinkCreateAttr
{
    public uint ProgFd;
    public uint TargetFd;
    public uint AttachType;
    public uint Flags;
    /// <summary>Pointer to a <see cref="IterTaskLinkInfo"/>.</summary>
    public ulong IterInfo;
    public uint IterInfoLen;
    private readonly uint _pad;
}

/// <summary>
/// BPF_LINK_CREATE for attach type BPF_TRACE_UPROBE_MULTI (Linux 6.6+): one program on many
/// offsets of one file, each with its own semaphore offset and cookie. The kernel resolves
/// <see cref="Path"/> with LOOKUP_FOLLOW, so <c>/proc/self/fd/N</c> reaches the pinned inode.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct UprobeMultiLinkCreateAttr
{
    public uint ProgFd;
    public uint TargetFd;
    public uint AttachType;
    /// <summary>link_create.flags: must be 0 for this attach type.</summary>
    public uint Flags;
    /// <summary>Pointer to the NUL-terminated path.</summary>
    public ulong Path;
    /// <summary>Pointer to <see cref="Count"/> u64 file offsets of the probe sites.</summary>
    public ulong Offsets;
    /// <summary>Pointer to <see cref="Count"/> u64 semaphore file offsets (0: none), or 0.</summary>
    public ulong RefCtrOffsets;
    /// <summary>Pointer to <see cref="Count"/> u64 cookies (bpf_get_attach_cookie), or 0.</summary>
    public ulong Cookies;
    public uint Count;
    /// <summary>uprobe_multi.flags: BPF_F_UPROBE_MULTI_RETURN (1) makes return probes.</summary>
    public uint MultiFlags;
    /// <summary>Only this process (a tgid in our pid namespace), 0 for every process mapping the file.</summary>
    public uint Pid;
    private readonly uint _pad;
}

/// <summary>BPF_LINK_CREATE for attach type BPF_PERF_EVENT (Linux 5.15+): a program on a perf event, with a cookie.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct PerfLinkCreateAttr
{
    public uint ProgFd;
    /// <summary>The perf event descriptor.</summary>
    public uint TargetFd;
    public uint AttachType;
    public uint Flags;
    /// <summary>link_create.perf_event.bpf_cookie: what bpf_get_attach_cookie returns in the program.</summary>
    public ulong BpfCookie;
}

/// <summary>
/// The task part of union bpf_iter_link_info (Linux 6.1+): which task a task or task_vma
/// iterator visits. At most one of the three is set; all zero visits every task.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct IterTaskLinkInfo
{
    public uint Tid;
    public uint Pid;
    public uint PidFd;
    private readonly uint _pad; // the union is 16 bytes (its cgroup member has a u64)
}

/// <summary>BPF_ITER_CREATE: a readable descriptor that runs the iterator program as it is read.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct IterCreateAttr
{
    public uint LinkFd;
    public uint Flags;
}

/// <summary>Helpers shared by the attr structs.</summary>
internal static unsafe class BpfObjectName
{
    /// <summary>Copies up to 15 bytes of [A-Za-z0-9_.] (what the kernel accepts) and a NUL.</summary>
    public static void Write(byte* destination, string name)
    {
        int written = 0;
        foreach (char c in name)
        {
            if (written == 15)
            {
                break;
            }
            if (char.IsAsciiLetterOrDigit(c) || c == '_' || c == '.')
            {
                destination[written++] = (byte)c;
            }
        }
        destination[written] = 0;
    }
}
