using System.Runtime.InteropServices;

namespace Probes.Consumer.Bpf;

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
