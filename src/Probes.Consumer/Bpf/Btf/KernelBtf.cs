using System.Buffers.Binary;
using System.Text;

namespace Probes.Consumer.Bpf.Btf;

/// <summary>
/// The little of BTF (include/uapi/linux/btf.h) we need: struct sizes and member byte offsets
/// of the running kernel, so the generated program can walk task_struct without compiled-in
/// offsets. We parse only when asked, and only structs; every other kind is skipped by size.
/// </summary>
public sealed class KernelBtf
{
    public const string VmlinuxPath = "/sys/kernel/btf/vmlinux";

    private const ushort Magic = 0xeb9f;
    private const int KindInt = 1, KindArray = 3, KindStruct = 4, KindUnion = 5, KindEnum = 6;
    private const int KindFunc = 12, KindFuncProto = 13, KindVar = 14, KindDatasec = 15, KindDeclTag = 17, KindEnum64 = 19;

    private readonly byte[] _data;
    private readonly int _stringsStart;
    private readonly int _stringsLength;
    private readonly List<int> _typeOffsets = [0]; // type id 0 is void
    private readonly Dictionary<string, int> _structsByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _functionsByName = new(StringComparer.Ordinal);

    public KernelBtf(byte[] data)
    {
        _data = data;
        ReadOnlySpan<byte> span = data;
        if (span.Length < 24 || BinaryPrimitives.ReadUInt16LittleEndian(span) != Magic)
        {
            throw new BpfException("not little-endian BTF (bad magic)");
        }
        int headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
        int typeOffset = headerLength + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[8..]);
        int typeLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[12..]);
        _stringsStart = headerLength + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[16..]);
        _stringsLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[20..]);
        if (typeOffset + typeLength > span.Length || _stringsStart + _stringsLength > span.Length)
        {
            throw new BpfException("BTF sections run past the end of the data");
        }

        int position = typeOffset;
        int end = typeOffset + typeLength;
        while (position < end)
        {
            int id = _typeOffsets.Count;
            _typeOffsets.Add(position);
            uint info = BinaryPrimitives.ReadUInt32LittleEndian(span[(position + 4)..]);
            int kind = (int)((info >> 24) & 0x1f);
            int vlen = (int)(info & 0xffff);
            if (kind == KindStruct)
            {
                _structsByName.TryAdd(Name(BinaryPrimitives.ReadUInt32LittleEndian(span[position..])), id);
            }
            else if (kind == KindFunc)
            {
                _functionsByName.TryAdd(Name(BinaryPrimitives.ReadUInt32LittleEndian(span[position..])), id);
            }
            position += 12 + kind switch
            {
                KindInt or KindVar or KindDeclTag => 4,
                KindArray => 12,
                KindStruct or KindUnion => 12 * vlen,
                KindEnum or KindFuncProto => 8 * vlen,
                KindDatasec or KindEnum64 => 12 * vlen,
                _ => 0,
            };
        }
    }

    private static readonly Lazy<TaskLayout> CachedTaskLayout = new(() => LoadVmlinux().ReadTaskLayout());

    /// <summary>The running kernel's task layout, parsed from vmlinux BTF once per process.</summary>
    public static TaskLayout RunningKernelTaskLayout => CachedTaskLayout.Value;

    public static KernelBtf LoadVmlinux()
    {
        try
        {
            return new KernelBtf(File.ReadAllBytes(VmlinuxPath));
        }
        catch (IOException e)
        {
            throw new BpfNotSupportedException($"kernel BTF ({VmlinuxPath})", "5.4", e);
        }
    }

    /// <summary>sizeof(struct <paramref name="structName"/>).</summary>
    public int StructSize(string structName) =>
        (int)BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(_typeOffsets[StructId(structName)] + 8));

    /// <summary>Byte offset of <paramref name="member"/> in struct <paramref name="structName"/>, looking into anonymous structs and unions.</summary>
    public int MemberOffset(string structName, string member) =>
        FindMember(StructId(structName), member) is { } bits
            ? (bits % 8 == 0 ? bits / 8 : throw new BpfException($"struct {structName}.{member} is a bit field"))
            : throw new BpfException($"kernel BTF: struct {structName} has no member '{member}'");

    /// <summary>The offsets the USDT program needs to read namespace pids and inodes.</summary>
    public TaskLayout ReadTaskLayout() => new(
        TaskThreadPid: MemberOffset("task_struct", "thread_pid"),
        TaskGroupLeader: MemberOffset("task_struct", "group_leader"),
        TaskNsproxy: MemberOffset("task_struct", "nsproxy"),
        PidLevel: MemberOffset("pid", "level"),
        PidNumbers: MemberOffset("pid", "numbers"),
        UpidSize: StructSize("upid"),
        UpidNr: MemberOffset("upid", "nr"),
        UpidNs: MemberOffset("upid", "ns"),
        PidNamespaceNs: MemberOffset("pid_namespace", "ns"),
        NsproxyMountNamespace: MemberOffset("nsproxy", "mnt_ns"),
        MountNamespaceNs: MemberOffset("mnt_namespace", "ns"),
        NsCommonInum: MemberOffset("ns_common", "inum"));

    /// <summary>
    /// The BTF type id of the kernel function <paramref name="name"/> (BTF_KIND_FUNC): what a
    /// tracing program names as its attach point (e.g. <c>bpf_iter_task_vma</c> for a VMA iterator).
    /// </summary>
    public int FunctionId(string name) =>
        _functionsByName.TryGetValue(name, out int id) ? id : throw new BpfException($"kernel BTF has no function {name}");

    private int StructId(string name) =>
        _structsByName.TryGetValue(name, out int id) ? id : throw new BpfException($"kernel BTF has no struct {name}");

    /// <summary>Bit offset of a member, searching anonymous struct/union members depth-first.</summary>
    private int? FindMember(int typeId, string member)
    {
        ReadOnlySpan<byte> span = _data;
        int position = _typeOffsets[typeId];
        uint info = BinaryPrimitives.ReadUInt32LittleEndian(span[(position + 4)..]);
        bool bitfieldEncoding = (info >> 31) != 0;
        int vlen = (int)(info & 0xffff);
        for (int i = 0; i < vlen; i++)
        {
            int m = position + 12 + 12 * i;
            string name = Name(BinaryPrimitives.ReadUInt32LittleEndian(span[m..]));
            int type = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(m + 4)..]);
            uint offset = BinaryPrimitives.ReadUInt32LittleEndian(span[(m + 8)..]);
            int bits = (int)(bitfieldEncoding ? offset & 0xffffff : offset);
            if (name == member)
            {
                return bits;
            }
            if (name.Length == 0 && ResolveAggregate(type) is { } inner && FindMember(inner, member) is { } nested)
            {
                return bits + nested;
            }
        }
        return null;
    }

    /// <summary>Follows typedef/const/volatile to a struct or union id, or null.</summary>
    private int? ResolveAggregate(int typeId)
    {
        for (int hops = 0; hops < 16 && typeId > 0 && typeId < _typeOffsets.Count; hops++)
        {
            int position = _typeOffsets[typeId];
            uint info = BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(position + 4));
            int kind = (int)((info >> 24) & 0x1f);
            if (kind is KindStruct or KindUnion)
            {
                return typeId;
            }
            if (kind is 8 or 9 or 10 or 11 or 18) // typedef, volatile, const, restrict, type_tag
            {
                typeId = (int)BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(position + 8));
                continue;
            }
            return null;
        }
        return null;
    }

    private string Name(uint offset)
    {
        if (offset >= _stringsLength)
        {
            return "";
        }
        ReadOnlySpan<byte> strings = _data.AsSpan(_stringsStart + (int)offset, _stringsLength - (int)offset);
        int end = strings.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? strings : strings[..end]);
    }
}
