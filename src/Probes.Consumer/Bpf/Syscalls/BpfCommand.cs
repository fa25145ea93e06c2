namespace Probes.Consumer.Bpf.Syscalls;

/// <summary>The <c>cmd</c> argument of bpf(2) (enum bpf_cmd in include/uapi/linux/bpf.h).</summary>
public enum BpfCommand : int
{
    MapCreate = 0,
    MapLookupElem = 1,
    MapUpdateElem = 2,
    MapDeleteElem = 3,
    MapGetNextKey = 4,
    ProgLoad = 5,
    ObjGetInfoByFd = 15,
    LinkCreate = 28,
    IterCreate = 33,
}

public static class BpfCommandNames
{
    /// <summary>The uapi name, for messages: <c>BPF_PROG_LOAD</c>.</summary>
    public static string UapiName(this BpfCommand command) => command switch
    {
        BpfCommand.MapCreate => "BPF_MAP_CREATE",
        BpfCommand.MapLookupElem => "BPF_MAP_LOOKUP_ELEM",
        BpfCommand.MapUpdateElem => "BPF_MAP_UPDATE_ELEM",
        BpfCommand.MapDeleteElem => "BPF_MAP_DELETE_ELEM",
        BpfCommand.MapGetNextKey => "BPF_MAP_GET_NEXT_KEY",
        BpfCommand.ProgLoad => "BPF_PROG_LOAD",
        BpfCommand.ObjGetInfoByFd => "BPF_OBJ_GET_INFO_BY_FD",
        BpfCommand.LinkCreate => "BPF_LINK_CREATE",
        BpfCommand.IterCreate => "BPF_ITER_CREATE",
        _ => $"bpf command {(int)command}",
    };
}
