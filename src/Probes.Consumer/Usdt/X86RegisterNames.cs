namespace Probes.Consumer.Usdt;

/// <summary>
/// Every AT&amp;T name of the 16 general registers in its 64, 32, 16 and 8-bit form, mapped to
/// the 64-bit register that holds it (the bcc/libbpf alias table). The legacy high-byte
/// registers (ah, bh, ch, dh) are left out on purpose: their value sits in bits 8-15, which
/// the argument model cannot express, and compilers do not emit them for probe operands.
/// </summary>
internal static class X86RegisterNames
{
    private static readonly Dictionary<string, (X86Register Register, int Width)> Table = Build();

    public static bool TryLookUp(string name, out X86Register register, out int width)
    {
        if (Table.TryGetValue(name, out var entry))
        {
            (register, width) = entry;
            return true;
        }
        register = X86Register.None;
        width = 0;
        return false;
    }

    public static string Name(X86Register register) => register.ToString().ToLowerInvariant();

    private static Dictionary<string, (X86Register, int)> Build()
    {
        var table = new Dictionary<string, (X86Register, int)>(StringComparer.Ordinal);
        void Add(X86Register register, string r64, string r32, string r16, string r8)
        {
            table.Add(r64, (register, 8));
            table.Add(r32, (register, 4));
            table.Add(r16, (register, 2));
            table.Add(r8, (register, 1));
        }

        Add(X86Register.Rax, "rax", "eax", "ax", "al");
        Add(X86Register.Rbx, "rbx", "ebx", "bx", "bl");
        Add(X86Register.Rcx, "rcx", "ecx", "cx", "cl");
        Add(X86Register.Rdx, "rdx", "edx", "dx", "dl");
        Add(X86Register.Rsi, "rsi", "esi", "si", "sil");
        Add(X86Register.Rdi, "rdi", "edi", "di", "dil");
        Add(X86Register.Rbp, "rbp", "ebp", "bp", "bpl");
        Add(X86Register.Rsp, "rsp", "esp", "sp", "spl");
        for (int n = 8; n <= 15; n++)
        {
            Add(X86Register.R8 + (n - 8), $"r{n}", $"r{n}d", $"r{n}w", $"r{n}b");
            table.Add($"r{n}l", (X86Register.R8 + (n - 8), 1)); // Intel's spelling of r{n}b, accepted by gas
        }
        table.Add("rip", (X86Register.Rip, 8));
        return table;
    }
}
