using System.Buffers.Binary;

namespace Probes.Consumer.Bpf.Instructions;

/// <summary>
/// One eBPF instruction as a plain value (cilium/ebpf's asm.Instruction). <see cref="Constant"/>
/// is 64 bits wide so ld_imm64 stays one value; it marshals to two 8-byte slots.
/// Jumps carry a <see cref="Target"/> label instead of a hand-counted offset; the offset is
/// filled in by <see cref="Assembler.Marshal"/>. <see cref="Label"/> names this instruction as a jump target.
/// </summary>
public readonly record struct Instruction(
    OpCode OpCode,
    Register Dst,
    Register Src,
    short Offset,
    long Constant,
    string? Target = null,
    string? Label = null)
{
    /// <summary>BPF_PSEUDO_MAP_FD: in ld_imm64, the constant is a map fd the kernel replaces with the map's address.</summary>
    public const byte PseudoMapFd = 1;

    /// <summary>8 or 16 bytes.</summary>
    public int ByteSize => OpCode.IsWide ? 16 : 8;

    /// <summary>Number of 8-byte slots this instruction takes (jump offsets count slots).</summary>
    public int Slots => OpCode.IsWide ? 2 : 1;

    /// <summary>Returns this instruction named <paramref name="label"/>, so jumps can target it.</summary>
    public Instruction WithLabel(string label) => this with { Label = label };

    /// <summary>Writes the instruction's bytes (little endian, dst in the low nibble of the register byte).</summary>
    public void Encode(Span<byte> destination, short resolvedOffset)
    {
        destination[0] = OpCode.Value;
        destination[1] = (byte)(((byte)Src << 4) | ((byte)Dst & 0x0f));
        BinaryPrimitives.WriteInt16LittleEndian(destination[2..], resolvedOffset);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], unchecked((int)Constant));
        if (OpCode.IsWide)
        {
            destination[8..16].Clear();
            BinaryPrimitives.WriteInt32LittleEndian(destination[12..], unchecked((int)(Constant >> 32)));
        }
    }

    public override string ToString()
    {
        string jump = Target is null ? "" : $" -> {Target}";
        string label = Label is null ? "" : $"{Label}: ";
        return $"{label}op={OpCode} dst={Dst} src={Src} off={Offset} imm={Constant}{jump}";
    }
}
