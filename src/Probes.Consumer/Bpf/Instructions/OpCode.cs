namespace Probes.Consumer.Bpf.Instructions;

/// <summary>
/// An eBPF opcode byte: class (low 3 bits), then size+mode for loads/stores, or
/// source + operation for ALU and jumps (include/uapi/linux/bpf_common.h, bpf.h).
/// </summary>
public readonly record struct OpCode(byte Value)
{
    // Classes.
    public const byte ClassLd = 0x00, ClassLdx = 0x01, ClassSt = 0x02, ClassStx = 0x03;
    public const byte ClassAlu = 0x04, ClassJmp = 0x05, ClassJmp32 = 0x06, ClassAlu64 = 0x07;

    // Modes.
    public const byte ModeImm = 0x00, ModeMem = 0x60, ModeAtomic = 0xc0;

    // Sources.
    public const byte SourceK = 0x00, SourceX = 0x08;

    public byte Class => (byte)(Value & 0x07);

    public bool IsJump => Class is ClassJmp or ClassJmp32;

    /// <summary>True for ld_imm64 (BPF_LD | BPF_IMM | BPF_DW), the only 16-byte instruction.</summary>
    public bool IsWide => Value == (ClassLd | ModeImm | (byte)Size.DWord);

    public override string ToString() => $"0x{Value:x2}";
}

/// <summary>ALU operations (the BPF_OP bits of BPF_ALU/BPF_ALU64).</summary>
public enum AluOp : byte
{
    Add = 0x00, Sub = 0x10, Mul = 0x20, Div = 0x30, Or = 0x40, And = 0x50,
    LeftShift = 0x60, RightShift = 0x70, Negate = 0x80, Mod = 0x90, Xor = 0xa0,
    Mov = 0xb0, ArithmeticRightShift = 0xc0,
}

/// <summary>Jump operations (the BPF_OP bits of BPF_JMP).</summary>
public enum JumpOp : byte
{
    Always = 0x00, Equal = 0x10, Greater = 0x20, GreaterOrEqual = 0x30, BitsSet = 0x40,
    NotEqual = 0x50, SignedGreater = 0x60, SignedGreaterOrEqual = 0x70, Call = 0x80, Exit = 0x90,
    Less = 0xa0, LessOrEqual = 0xb0, SignedLess = 0xc0, SignedLessOrEqual = 0xd0,
}
