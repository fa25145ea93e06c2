using System.Buffers.Binary;
using Probes.Consumer.Bpf.Syscalls;

namespace Probes.Consumer.Bpf.Maps;

/// <summary>Map types we create (enum bpf_map_type).</summary>
public enum BpfMapType : uint
{
    Hash = 1,
    Array = 2,
    PerCpuHash = 5,
    PerCpuArray = 6,
    LruHash = 9,
    RingBuffer = 27,
}

/// <summary>
/// A BPF map and typed access to it. Values of per-CPU maps come back as one slot per
/// possible CPU, each slot the value size rounded up to 8 bytes.
/// </summary>
public sealed class BpfMap : IDisposable
{
    private readonly Kernel _kernel;

    private BpfMap(Kernel kernel, BpfMapHandle handle, string name, BpfMapType type, int keySize, int valueSize, int maxEntries)
    {
        _kernel = kernel;
        Handle = handle;
        Name = name;
        Type = type;
        KeySize = keySize;
        ValueSize = valueSize;
        MaxEntries = maxEntries;
    }

    public BpfMapHandle Handle { get; }
    public string Name { get; }
    public BpfMapType Type { get; }
    public int KeySize { get; }
    public int ValueSize { get; }
    public int MaxEntries { get; }

    public bool IsPerCpu => Type is BpfMapType.PerCpuArray or BpfMapType.PerCpuHash;

    /// <summary>Bytes a lookup returns: the value, or for per-CPU maps one 8-aligned slot per possible CPU.</summary>
    public int LookupSize => IsPerCpu ? PerCpuSlotSize * PossibleCpus.Count : ValueSize;

    public int PerCpuSlotSize => (ValueSize + 7) & ~7;

    public static BpfMap CreateHash(Kernel kernel, string name, int keySize, int valueSize, int maxEntries) =>
        Create(kernel, name, BpfMapType.Hash, keySize, valueSize, maxEntries);

    /// <summary>A hash map that, when full, makes room by evicting the least recently used entries (silently: the evictions are not reported).</summary>
    public static BpfMap CreateLruHash(Kernel kernel, string name, int keySize, int valueSize, int maxEntries) =>
        Create(kernel, name, BpfMapType.LruHash, keySize, valueSize, maxEntries);

    /// <summary>A hash map with one value per possible CPU under each key; a program updates only its own CPU's.</summary>
    public static BpfMap CreatePerCpuHash(Kernel kernel, string name, int keySize, int valueSize, int maxEntries) =>
        Create(kernel, name, BpfMapType.PerCpuHash, keySize, valueSize, maxEntries);

    public static BpfMap CreateArray(Kernel kernel, string name, int valueSize, int maxEntries) =>
        Create(kernel, name, BpfMapType.Array, sizeof(uint), valueSize, maxEntries);

    public static BpfMap CreatePerCpuArray(Kernel kernel, string name, int valueSize, int maxEntries) =>
        Create(kernel, name, BpfMapType.PerCpuArray, sizeof(uint), valueSize, maxEntries);

    /// <summary>A ring buffer of <paramref name="sizeBytes"/> bytes: a power of two and a multiple of the page size.</summary>
    public static BpfMap CreateRingBuffer(Kernel kernel, string name, int sizeBytes)
    {
        if (sizeBytes < Environment.SystemPageSize || !int.IsPow2(sizeBytes))
        {
            throw new ArgumentOutOfRangeException(nameof(sizeBytes), sizeBytes, $"a ring buffer size must be a power of two of at least the page size ({Environment.SystemPageSize})");
        }
        try
        {
            return Create(kernel, name, BpfMapType.RingBuffer, 0, 0, sizeBytes);
        }
        catch (BpfSyscallException e) when (e is not BpfPermissionException && e.Errno == Errno.EINVAL)
        {
            throw new BpfNotSupportedException("BPF_MAP_TYPE_RINGBUF", "5.8", e);
        }
    }

    public static unsafe BpfMap Create(Kernel kernel, string name, BpfMapType type, int keySize, int valueSize, int maxEntries)
    {
        var attr = new MapCreateAttr
        {
            MapType = (uint)type,
            KeySize = (uint)keySize,
            ValueSize = (uint)valueSize,
            MaxEntries = (uint)maxEntries,
        };
        BpfObjectName.Write(attr.MapName, name);
        return new BpfMap(kernel, kernel.MapCreate(ref attr), name, type, keySize, valueSize, maxEntries);
    }

    /// <summary>Copies the value into <paramref name="value"/> (<see cref="LookupSize"/> bytes); false when absent.</summary>
    public bool Lookup(ReadOnlySpan<byte> key, Span<byte> value)
    {
        CheckKey(key);
        if (value.Length != LookupSize)
        {
            throw new ArgumentException($"map '{Name}' lookup needs a {LookupSize}-byte buffer, got {value.Length}", nameof(value));
        }
        return _kernel.MapLookupElem(Handle, key, value);
    }

    /// <summary>Writes a value; for per-CPU maps <paramref name="value"/> holds every CPU's slot.</summary>
    public void Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ulong flags = 0)
    {
        CheckKey(key);
        if (value.Length != LookupSize)
        {
            throw new ArgumentException($"map '{Name}' update needs a {LookupSize}-byte value, got {value.Length}", nameof(value));
        }
        _kernel.MapUpdateElem(Handle, key, value, flags);
    }

    public bool Delete(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        return _kernel.MapDeleteElem(Handle, key);
    }

    /// <summary>Every key, by BPF_MAP_GET_NEXT_KEY from the start.</summary>
    public IEnumerable<byte[]> Keys()
    {
        byte[] key = [];
        var next = new byte[KeySize];
        while (_kernel.MapGetNextKey(Handle, key, next))
        {
            key = (byte[])next.Clone();
            yield return key;
        }
    }

    /// <summary>Array index keys are u32.</summary>
    public static byte[] IndexKey(uint index)
    {
        var key = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(key, index);
        return key;
    }

    /// <summary>For a per-CPU map of u64 values: the sum over CPUs of the value at <paramref name="index"/>.</summary>
    public ulong SumPerCpuUInt64(uint index)
    {
        if (!IsPerCpu || ValueSize != sizeof(ulong))
        {
            throw new InvalidOperationException($"map '{Name}' is not a per-CPU map of u64");
        }
        var buffer = new byte[LookupSize];
        if (!Lookup(IndexKey(index), buffer))
        {
            return 0;
        }
        return SumSlots(buffer, PerCpuSlotSize);
    }

    /// <summary>Sums the leading u64 of each <paramref name="slotSize"/>-byte per-CPU slot.</summary>
    public static ulong SumSlots(ReadOnlySpan<byte> perCpuValues, int slotSize)
    {
        ulong sum = 0;
        for (int offset = 0; offset + sizeof(ulong) <= perCpuValues.Length; offset += slotSize)
        {
            sum += BinaryPrimitives.ReadUInt64LittleEndian(perCpuValues[offset..]);
        }
        return sum;
    }

    private void CheckKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"map '{Name}' has {KeySize}-byte keys, got {key.Length}", nameof(key));
        }
    }

    public void Dispose() => Handle.Dispose();
}
