using System.Buffers.Binary;
using Probes.Consumer.Elf;

namespace Probes.Consumer.Usdt;

/// <summary>
/// Recognises the instruction sys/sdt.h puts at every probe site: a nop, which the kernel
/// replaces with a breakpoint. Anything else at a note's address means the note does not
/// describe a probe site, and a uprobe there would patch real code.
///
/// x86-64: sdt.h emits <c>nop</c> (0x90). Toolchains and hand-written probes may use the
/// other encodings Intel documents as nops: <c>66 90</c> (xchg %ax,%ax) and the multi-byte
/// <c>0f 1f /0</c> (nopl/nopw r/m, whose operand is never accessed, optionally with
/// operand-size 0x66 and CS 0x2e prefixes, as gas pads code). Only the first instruction is
/// decoded: its length does not matter, the kernel puts its breakpoint on the first byte.
/// 0xf3 0x90 (pause) is not accepted. AArch64: <c>nop</c> is the word 0xd503201f.
/// </summary>
internal static class ProbeSiteInstruction
{
    /// <summary>The longest x86 instruction; no nop we accept is longer.</summary>
    public const int MaxBytes = 15;

    private const byte OperandSizePrefix = 0x66;
    private const byte CsSegmentPrefix = 0x2e;
    private const uint AArch64Nop = 0xd503201f;

    /// <summary>True when <paramref name="code"/> starts with a nop of <paramref name="machine"/>; <paramref name="examined"/> is how many bytes decided it.</summary>
    public static bool IsNop(ElfMachine machine, ReadOnlySpan<byte> code, out int examined) => machine switch
    {
        ElfMachine.X86_64 => IsX86Nop(code, out examined),
        ElfMachine.AArch64 => IsAArch64Nop(code, out examined),
        _ => throw new ArgumentOutOfRangeException(nameof(machine), machine, "no nop known for this machine"),
    };

    public static bool Knows(ElfMachine machine) => machine is ElfMachine.X86_64 or ElfMachine.AArch64;

    private static bool IsX86Nop(ReadOnlySpan<byte> code, out int examined)
    {
        // Prefixes first (gas pads with up to "66 66 2e 0f 1f 84 00 00 00 00 00"); leave room for 0f 1f ModRM.
        int at = 0;
        bool segmentPrefix = false;
        while (at < code.Length && at < MaxBytes - 3 && code[at] is OperandSizePrefix or CsSegmentPrefix)
        {
            segmentPrefix |= code[at] == CsSegmentPrefix;
            at++;
        }
        if (at < code.Length && code[at] == 0x90)
        {
            // 90, 66 90: a CS prefix on 0x90 is meaningless and no assembler emits it.
            examined = at + 1;
            return !segmentPrefix;
        }
        if (at + 2 < code.Length && code[at] == 0x0f && code[at + 1] == 0x1f)
        {
            // 0f 1f /0: NOP r/m, the operand is never accessed; ModRM.reg must be 0.
            examined = at + 3;
            return ((code[at + 2] >> 3) & 7) == 0;
        }
        examined = Math.Min(at + 1, code.Length);
        return false;
    }

    private static bool IsAArch64Nop(ReadOnlySpan<byte> code, out int examined)
    {
        examined = Math.Min(code.Length, sizeof(uint));
        return code.Length >= sizeof(uint) && BinaryPrimitives.ReadUInt32LittleEndian(code) == AArch64Nop;
    }
}
