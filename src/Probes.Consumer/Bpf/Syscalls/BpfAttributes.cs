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
