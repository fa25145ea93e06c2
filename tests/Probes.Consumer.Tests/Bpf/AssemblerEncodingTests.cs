
using Probes.Consumer.Bpf.Instructions;

namespace Probes.Consumer.Tests.Bpf;

/// <summary>
/// Pins builder calls to exact bytes (the cilium/ebpf dsl_test habit). Expected encodings
/// follow include/uapi/linux/bpf.h: opcode = class | size/op | mode/source, then
/// (src &lt;&lt; 4 | dst), little-endian s16 offset, s32 immediate.
/// </summary>
[TestClass]
public sealed class AssemblerEncodingTests
{
    public static IEnumerable<object[]> Encodings =>
    [
        // mov64 r0, 0 ; exit  - the smallest valid program
        ["mov r0, 0", Asm.Mov(Register.R0, 0), "b7 00 00 00 00 00 00 00"],
        ["exit", Asm.Exit(), "95 00 00 00 00 00 00 00"],
        ["mov r7, r1", Asm.Mov(Register.R7, Register.R1), "bf 17 00 00 00 00 00 00"],
        // cilium asm: Add.Imm(R1, 22)
        ["add r1, 22", AluOp.Add.Imm(Register.R1, 22), "07 01 00 00 16 00 00 00"],
        ["add r2, -4", AluOp.Add.Imm(Register.R2, -4), "07 02 00 00 fc ff ff ff"],
        ["add r3, r4", AluOp.Add.Reg(Register.R3, Register.R4), "0f 43 00 00 00 00 00 00"],
        ["lsh r1, 32", AluOp.LeftShift.Imm(Register.R1, 32), "67 01 00 00 20 00 00 00"],
        ["rsh r1, 32", AluOp.RightShift.Imm(Register.R1, 32), "77 01 00 00 20 00 00 00"],
        ["arsh r1, 56", AluOp.ArithmeticRightShift.Imm(Register.R1, 56), "c7 01 00 00 38 00 00 00"],
        ["mul r1, 16", AluOp.Mul.Imm(Register.R1, 16), "27 01 00 00 10 00 00 00"],
        ["add32 r1, 1", AluOp.Add.Imm32(Register.R1, 1), "04 01 00 00 01 00 00 00"],
        ["mov32 r2, r3", AluOp.Mov.Reg32(Register.R2, Register.R3), "bc 32 00 00 00 00 00 00"],
        // ldxdw r1, [r7+112]  (pt_regs->di)
        ["ldxdw r1, [r7+112]", Asm.LoadMem(Register.R1, Register.R7, 112, Size.DWord), "79 71 70 00 00 00 00 00"],
        ["ldxw r1, [r10-16]", Asm.LoadMem(Register.R1, Register.R10, -16, Size.Word), "61 a1 f0 ff 00 00 00 00"],
        ["ldxh r0, [r1+2]", Asm.LoadMem(Register.R0, Register.R1, 2, Size.Half), "69 10 02 00 00 00 00 00"],
        ["ldxb r0, [r1+0]", Asm.LoadMem(Register.R0, Register.R1, 0, Size.Byte), "71 10 00 00 00 00 00 00"],
        ["stxdw [r10-8], r1", Asm.StoreMem(Register.R10, -8, Register.R1, Size.DWord), "7b 1a f8 ff 00 00 00 00"],
        ["stxw [r6+16], r0", Asm.StoreMem(Register.R6, 16, Register.R0, Size.Word), "63 06 10 00 00 00 00 00"],
        ["stw [r10-4], 0", Asm.StoreImm(Register.R10, -4, 0, Size.Word), "62 0a fc ff 00 00 00 00"],
        ["stb [r6+20], 3", Asm.StoreImm(Register.R6, 20, 3, Size.Byte), "72 06 14 00 03 00 00 00"],
        ["sth [r6+22], 256", Asm.StoreImm(Register.R6, 22, 256, Size.Half), "6a 06 16 00 00 01 00 00"],
        ["stdw [r6+24], 0", Asm.StoreImm(Register.R6, 24, 0, Size.DWord), "7a 06 18 00 00 00 00 00"],
        // cilium asm: Call(MapLookupElement) and friends
        ["call map_lookup_elem", Asm.Call(HelperFunction.MapLookupElem), "85 00 00 00 01 00 00 00"],
        ["call ringbuf_reserve", Asm.Call(HelperFunction.RingbufReserve), "85 00 00 00 83 00 00 00"],
        ["call probe_read_user", Asm.Call(HelperFunction.ProbeReadUser), "85 00 00 00 70 00 00 00"],
        ["call map_update_elem", Asm.Call(HelperFunction.MapUpdateElem), "85 00 00 00 02 00 00 00"],
        ["call map_delete_elem", Asm.Call(HelperFunction.MapDeleteElem), "85 00 00 00 03 00 00 00"],
        // BPF_STX | BPF_ATOMIC | BPF_DW, the operation in imm: BPF_ADD, BPF_CMPXCHG (0xf0 | BPF_FETCH)
        ["lock *(u64 *)(r0+0) += r1", Asm.AtomicAdd(Register.R0, 0, Register.R1), "db 10 00 00 00 00 00 00"],
        ["r0 = cmpxchg(r9+16, r0, r1)", Asm.AtomicCompareExchange(Register.R9, 16, Register.R1), "db 19 10 00 f1 00 00 00"],
        ["xor r1, -1", AluOp.Xor.Imm(Register.R1, -1), "a7 01 00 00 ff ff ff ff"],
        // cilium asm: LoadImm(R10, 42, DWord) is the 16-byte ld_imm64
        ["lddw r10, 42", Asm.LoadImm64(Register.R10, 42), "18 0a 00 00 2a 00 00 00 00 00 00 00 00 00 00 00"],
        ["lddw r4, 0x1122334455667788", Asm.LoadImm64(Register.R4, 0x1122334455667788), "18 04 00 00 88 77 66 55 00 00 00 00 44 33 22 11"],
        ["lddw r1, -1", Asm.LoadImm64(Register.R1, -1), "18 01 00 00 ff ff ff ff 00 00 00 00 ff ff ff ff"],
        // map fd: src = BPF_PSEUDO_MAP_FD (1)
        ["lddw r1, map fd 5", Asm.LoadMapFd(Register.R1, 5), "18 11 00 00 05 00 00 00 00 00 00 00 00 00 00 00"],
    ];

    [TestMethod]
    [DynamicData(nameof(Encodings))]
    public void Builder_encodes_to_the_kernel_bytes(string what, Instruction instruction, string expectedHex)
    {
        byte[] bytes = Assembler.Marshal([instruction]);

        Assert.AreEqual(expectedHex, Hex(bytes), what);
        Assert.AreEqual(instruction.ByteSize, bytes.Length, what);
    }

    public static IEnumerable<object[]> Jumps =>
    [
        ["jeq r0, 0", JumpOp.Equal.Imm(Register.R0, 0, "t"), "15 00 01 00 00 00 00 00"],
        ["jne r1, r2", JumpOp.NotEqual.Reg(Register.R1, Register.R2, "t"), "5d 21 01 00 00 00 00 00"],
        ["jlt r0, 4096", JumpOp.Less.Imm(Register.R0, 4096, "t"), "a5 00 01 00 00 10 00 00"],
        ["jsgt r3, -1", JumpOp.SignedGreater.Imm(Register.R3, -1, "t"), "65 03 01 00 ff ff ff ff"],
        ["ja", Asm.Ja("t"), "05 00 01 00 00 00 00 00"],
    ];

    /// <summary>Each jump skips one instruction to reach "t", so its offset must be 1.</summary>
    [TestMethod]
    [DynamicData(nameof(Jumps))]
    public void Jump_encodes_with_the_resolved_offset(string what, Instruction jump, string expectedHex)
    {
        byte[] bytes = Assembler.Marshal([jump, Asm.Mov(Register.R0, 1), Asm.Mov(Register.R0, 0).WithLabel("t"), Asm.Exit()]);

        Assert.AreEqual(expectedHex, Hex(bytes.AsSpan(0, 8).ToArray()), what);
    }

    internal static string Hex(byte[] bytes) => string.Join(' ', bytes.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
}
