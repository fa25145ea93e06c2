namespace Probes.Consumer.Bpf.Instructions;

/// <summary>eBPF registers. R0 return value, R1-R5 arguments (clobbered by calls), R6-R9 callee-saved, R10 read-only frame pointer.</summary>
public enum Register : byte
{
    R0 = 0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10,

    /// <summary>Alias of R10: the read-only stack frame pointer.</summary>
    FramePointer = R10,
}

/// <summary>Width of a memory access: the BPF_SIZE bits of the opcode.</summary>
public enum Size : byte
{
    /// <summary>BPF_W: 32 bits.</summary>
    Word = 0x00,
    /// <summary>BPF_H: 16 bits.</summary>
    Half = 0x08,
    /// <summary>BPF_B: 8 bits.</summary>
    Byte = 0x10,
    /// <summary>BPF_DW: 64 bits.</summary>
    DWord = 0x18,
}

public static class SizeExtensions
{
    public static int Bytes(this Size size) => size switch
    {
        Size.Byte => 1,
        Size.Half => 2,
        Size.Word => 4,
        Size.DWord => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(size)),
    };

    public static Size FromBytes(int bytes) => bytes switch
    {
        1 => Size.Byte,
        2 => Size.Half,
        4 => Size.Word,
        8 => Size.DWord,
        _ => throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "access size must be 1, 2, 4 or 8"),
    };
}
