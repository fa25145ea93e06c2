namespace Probes.Consumer.Bpf.Instructions;

/// <summary>
/// Builders for instructions, the way cilium/ebpf hangs them off opcodes:
/// <c>AluOp.Add.Imm(R1, 22)</c>, <c>JumpOp.Equal.Imm(R0, 0, "exit")</c>, <c>Asm.LoadMem(...)</c>.
/// Each doc comment gives the C meaning.
/// </summary>
public static class Asm
{
    /// <summary><c>dst = src</c> (64-bit).</summary>
    public static Instruction Mov(Register dst, Register src) => AluOp.Mov.Reg(dst, src);

    /// <summary><c>dst = (s64)(s32)value</c>.</summary>
    public static Instruction Mov(Register dst, int value) => AluOp.Mov.Imm(dst, value);

    /// <summary><c>dst = value</c> for any 64-bit value (ld_imm64, 16 bytes).</summary>
    public static Instruction LoadImm64(Register dst, long value) =>
        new(new OpCode(OpCode.ClassLd | OpCode.ModeImm | (byte)Size.DWord), dst, Register.R0, 0, value);

    /// <summary><c>dst = &amp;map</c>: ld_imm64 with BPF_PSEUDO_MAP_FD; the kernel swaps the fd for the map pointer.</summary>
    public static Instruction LoadMapFd(Register dst, int mapFd) =>
        new(new OpCode(OpCode.ClassLd | OpCode.ModeImm | (byte)Size.DWord), dst, (Register)Instruction.PseudoMapFd, 0, (uint)mapFd);

    /// <summary><c>dst = *(size *)(src + offset)</c>, zero-extended to 64 bits.</summary>
    public static Instruction LoadMem(Register dst, Register src, short offset, Size size) =>
        new(new OpCode((byte)(OpCode.ClassLdx | OpCode.ModeMem | (byte)size)), dst, src, offset, 0);

    /// <summary><c>*(size *)(dst + offset) = src</c>.</summary>
    public static Instruction StoreMem(Register dst, short offset, Register src, Size size) =>
        new(new OpCode((byte)(OpCode.ClassStx | OpCode.ModeMem | (byte)size)), dst, src, offset, 0);

    /// <summary><c>*(size *)(dst + offset) = value</c>.</summary>
    public static Instruction StoreImm(Register dst, short offset, int value, Size size) =>
        new(new OpCode((byte)(OpCode.ClassSt | OpCode.ModeMem | (byte)size)), dst, Register.R0, offset, value);

    /// <summary><c>__sync_fetch_and_add((u64 *)(dst + offset), src)</c> (BPF_ATOMIC BPF_ADD, 64-bit): exact even when the program is preempted between a load and a store.</summary>
    public static Instruction AtomicAdd(Register dst, short offset, Register src) =>
        new(new OpCode((byte)(OpCode.ClassStx | OpCode.ModeAtomic | (byte)Size.DWord)), dst, src, offset, AtomicAddOp);

    /// <summary>
    /// <c>r0 = cmpxchg((u64 *)(dst + offset), r0, src)</c> (BPF_ATOMIC BPF_CMPXCHG): stores src when
    /// the memory holds r0, and leaves the value that was there in r0 either way.
    /// </summary>
    public static Instruction AtomicCompareExchange(Register dst, short offset, Register src) =>
        new(new OpCode((byte)(OpCode.ClassStx | OpCode.ModeAtomic | (byte)Size.DWord)), dst, src, offset, AtomicCompareExchangeOp);

    private const int AtomicAddOp = 0x00;
    private const int AtomicCompareExchangeOp = 0xf0 | 0x01; // BPF_CMPXCHG | BPF_FETCH

    /// <summary><c>r0 = helper(r1, r2, r3, r4, r5)</c>; r1-r5 are clobbered.</summary>
    public static Instruction Call(HelperFunction helper) =>
        new(new OpCode(OpCode.ClassJmp | (byte)JumpOp.Call), Register.R0, Register.R0, 0, (int)helper);

    /// <summary><c>return r0</c>.</summary>
    public static Instruction Exit() =>
        new(new OpCode(OpCode.ClassJmp | (byte)JumpOp.Exit), Register.R0, Register.R0, 0, 0);

    /// <summary><c>goto label</c>.</summary>
    public static Instruction Ja(string label) =>
        new(new OpCode(OpCode.ClassJmp | (byte)JumpOp.Always), Register.R0, Register.R0, 0, 0, label);
}

/// <summary>Builders on ALU operations.</summary>
public static class AluOpBuilders
{
    /// <summary><c>dst = dst OP (s64)(s32)value</c> (BPF_ALU64 | BPF_K).</summary>
    public static Instruction Imm(this AluOp op, Register dst, int value) =>
        new(new OpCode((byte)(OpCode.ClassAlu64 | OpCode.SourceK | (byte)op)), dst, Register.R0, 0, value);

    /// <summary><c>dst = dst OP src</c> (BPF_ALU64 | BPF_X).</summary>
    public static Instruction Reg(this AluOp op, Register dst, Register src) =>
        new(new OpCode((byte)(OpCode.ClassAlu64 | OpCode.SourceX | (byte)op)), dst, src, 0, 0);

    /// <summary><c>(u32)dst = (u32)dst OP (u32)value</c>, upper half zeroed (BPF_ALU | BPF_K).</summary>
    public static Instruction Imm32(this AluOp op, Register dst, int value) =>
        new(new OpCode((byte)(OpCode.ClassAlu | OpCode.SourceK | (byte)op)), dst, Register.R0, 0, value);

    /// <summary><c>(u32)dst = (u32)dst OP (u32)src</c>, upper half zeroed (BPF_ALU | BPF_X).</summary>
    public static Instruction Reg32(this AluOp op, Register dst, Register src) =>
        new(new OpCode((byte)(OpCode.ClassAlu | OpCode.SourceX | (byte)op)), dst, src, 0, 0);
}

/// <summary>Builders on jump operations; targets are labels resolved at marshalling.</summary>
public static class JumpOpBuilders
{
    /// <summary><c>if (dst OP (s64)(s32)value) goto label</c>.</summary>
    public static Instruction Imm(this JumpOp op, Register dst, int value, string label) =>
        new(new OpCode((byte)(OpCode.ClassJmp | OpCode.SourceK | (byte)op)), dst, Register.R0, 0, value, label);

    /// <summary><c>if (dst OP src) goto label</c>.</summary>
    public static Instruction Reg(this JumpOp op, Register dst, Register src, string label) =>
        new(new OpCode((byte)(OpCode.ClassJmp | OpCode.SourceX | (byte)op)), dst, src, 0, 0, label);
}
