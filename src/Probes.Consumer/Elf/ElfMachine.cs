namespace Probes.Consumer.Elf;

/// <summary>e_machine: the instruction set of the file's code (only the values the consumer tells apart).</summary>
public enum ElfMachine : ushort
{
    None = 0,
    X86_64 = 62,   // EM_X86_64
    AArch64 = 183, // EM_AARCH64
}
