using Probes.Consumer.Elf;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Usdt;

/// <summary>Which instructions count as a probe site's nop: Intel's recommended nops and gas's padding, nothing else.</summary>
[TestClass]
public sealed class ProbeSiteInstructionTests
{
    public static IEnumerable<object[]> Nops =>
    [
        ["90"],                               // nop (sys/sdt.h)
        ["66 90"],                            // xchg %ax,%ax
        ["0f 1f 00"],                         // nopl (%rax)
        ["0f 1f 40 00"],                      // nopl 0x0(%rax)
        ["0f 1f 44 00 00"],                   // nopl 0x0(%rax,%rax,1)
        ["66 0f 1f 44 00 00"],                // nopw 0x0(%rax,%rax,1)
        ["0f 1f 80 00 00 00 00"],             // nopl 0x0(%rax)
        ["0f 1f 84 00 00 00 00 00"],          // nopl 0x0(%rax,%rax,1)
        ["66 2e 0f 1f 84 00 00 00 00 00"],    // nopw %cs:0x0(%rax,%rax,1)
        ["66 66 2e 0f 1f 84 00 00 00 00 00"], // data16 nopw %cs:0x0(%rax,%rax,1)
        ["0f 1f c0"],                         // nop %eax (register form of 0f 1f /0)
        ["90 c3"],                            // only the first instruction counts
    ];

    public static IEnumerable<object[]> NotNops =>
    [
        [""],
        ["c3"],          // ret
        ["cc"],          // int3: a site someone already patched
        ["f3 90"],       // pause
        ["2e 90"],       // no assembler writes a CS prefix on nop
        ["0f 0b"],       // ud2
        ["0f 1f"],       // cut short: no ModRM
        ["0f 1f 48 00"], // 0f 1f /1 (a reserved hint, not NOP)
        ["66"],          // a prefix alone
        ["89 fe"],       // mov %edi,%esi
        ["48 8b 05 b1 2e 00 00"],
    ];

    [TestMethod]
    [DynamicData(nameof(Nops))]
    public void AcceptedOnX86(string hex) => Assert.IsTrue(ProbeSiteInstruction.IsNop(ElfMachine.X86_64, Bytes(hex), out _), hex);

    [TestMethod]
    [DynamicData(nameof(NotNops))]
    public void RefusedOnX86(string hex) => Assert.IsFalse(ProbeSiteInstruction.IsNop(ElfMachine.X86_64, Bytes(hex), out _), hex);

    [TestMethod]
    public void ExaminedBytesAreWhatDecidedIt()
    {
        ProbeSiteInstruction.IsNop(ElfMachine.X86_64, Bytes("89 fe 90"), out int mov);
        ProbeSiteInstruction.IsNop(ElfMachine.X86_64, Bytes("66 0f 1f 48 00"), out int hint);
        Assert.AreEqual((1, 4), (mov, hint));
    }

    [TestMethod]
    public void AArch64NopIsItsOwnWord()
    {
        Assert.IsTrue(ProbeSiteInstruction.IsNop(ElfMachine.AArch64, Bytes("1f 20 03 d5"), out _));
        Assert.IsFalse(ProbeSiteInstruction.IsNop(ElfMachine.AArch64, Bytes("90"), out _));
        Assert.IsFalse(ProbeSiteInstruction.IsNop(ElfMachine.AArch64, Bytes("c0 03 5f d6"), out _)); // ret
    }

    private static byte[] Bytes(string hex) => hex.Length == 0 ? [] : Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
}
