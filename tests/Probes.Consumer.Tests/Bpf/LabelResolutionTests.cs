using System.Buffers.Binary;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Instructions;

namespace Probes.Consumer.Tests.Bpf;

[TestClass]
public sealed class LabelResolutionTests
{
    [TestMethod]
    public void Forward_jump_over_a_wide_instruction_counts_two_slots()
    {
        byte[] bytes = new ProgramBuilder()
            .Emit(JumpOp.Equal.Imm(Register.R1, 0, "out"))
            .Emit(Asm.LoadImm64(Register.R0, 1L << 40))
            .Emit(Asm.Exit())
            .Label("out").Emit(Asm.Mov(Register.R0, 0))
            .Emit(Asm.Exit())
            .Marshal();

        Assert.AreEqual(3, Offset(bytes, 0)); // lddw (2 slots) + exit
    }

    [TestMethod]
    public void Backward_jump_has_a_negative_offset()
    {
        byte[] bytes = new ProgramBuilder()
            .Label("top").Emit(AluOp.Add.Imm(Register.R1, 1))
            .Emit(JumpOp.Less.Imm(Register.R1, 10, "top"))
            .Emit(Asm.Exit())
            .Marshal();

        Assert.AreEqual(-2, Offset(bytes, 1));
    }

    [TestMethod]
    public void Unknown_label_is_reported_with_its_name()
    {
        var e = Assert.ThrowsExactly<BpfAssemblyException>(() => Assembler.Marshal([Asm.Ja("nowhere"), Asm.Exit()]));

        StringAssert.Contains(e.Message, "nowhere");
    }

    [TestMethod]
    public void Duplicate_label_is_reported()
    {
        Instruction[] program = [Asm.Mov(Register.R0, 0).WithLabel("x"), Asm.Exit().WithLabel("x")];

        var e = Assert.ThrowsExactly<BpfAssemblyException>(() => Assembler.Marshal(program));

        StringAssert.Contains(e.Message, "'x' is defined twice");
    }

    [TestMethod]
    public void Label_without_a_following_instruction_is_reported()
    {
        var builder = new ProgramBuilder().Emit(Asm.Exit()).Label("dangling");

        var e = Assert.ThrowsExactly<BpfAssemblyException>(() => builder.Marshal());

        StringAssert.Contains(e.Message, "dangling");
    }

    [TestMethod]
    public void Target_on_a_non_jump_is_reported()
    {
        Instruction bad = Asm.Mov(Register.R0, 0) with { Target = "x" };

        Assert.ThrowsExactly<BpfAssemblyException>(() => Assembler.Marshal([bad, Asm.Exit().WithLabel("x")]));
    }

    private static short Offset(byte[] program, int slot) => BinaryPrimitives.ReadInt16LittleEndian(program.AsSpan(slot * 8 + 2));
}
