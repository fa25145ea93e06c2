using Probes.Consumer.Usdt;

namespace Probes.Consumer.Bpf.Programs;

/// <summary>Byte offsets of x86-64 <c>struct pt_regs</c> (arch/x86/include/asm/ptrace.h), the context of a uprobe program.</summary>
public static class PtRegs
{
    public const short InstructionPointer = 128;

    public static short Offset(X86Register register) => register switch
    {
        X86Register.R15 => 0,
        X86Register.R14 => 8,
        X86Register.R13 => 16,
        X86Register.R12 => 24,
        X86Register.Rbp => 32,
        X86Register.Rbx => 40,
        X86Register.R11 => 48,
        X86Register.R10 => 56,
        X86Register.R9 => 64,
        X86Register.R8 => 72,
        X86Register.Rax => 80,
        X86Register.Rcx => 88,
        X86Register.Rdx => 96,
        X86Register.Rsi => 104,
        X86Register.Rdi => 112,
        X86Register.Rip => InstructionPointer,
        X86Register.Rsp => 152,
        _ => throw new ArgumentOutOfRangeException(nameof(register), register, "no pt_regs slot for this register"),
    };
}
