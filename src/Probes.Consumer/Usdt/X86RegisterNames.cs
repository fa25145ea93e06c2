namespace Probes.Consumer.Usdt;

/// <summary>
/// Every AT&amp;T name of the 16 general registers in its 64, 32, 16 and 8-bit form, mapped to
/// the 64-bit register that holds it (the bcc/libbpf alias table), plus the legacy high-byte
/// registers %ah, %bh, %ch and %dh, whose value sits in bits 8-15 of their register. Segment
/// register names are looked up separately (<see cref="TryLookUpSegment"/>).
/// </summary>
internal static class X86RegisterNames
{
    private static readonly Dictionary<string, (X86Register Register, int Width, int BitOffset)> Table = Build();

    public static bool TryLookUp(string name, out X86Register register, out int width) => TryLookUp(name, out register, out width, out _);

    public static bool TryLookUp(string name, out X86Register register, out int width, out int bitOffset)
    {
        if (Table.TryGetValue(name, out var entry))
        {
            (register, width, bitOffset) = entry;
            return true;
        }
        register = X86Register.None;
        width = 0;
        bitOffset = 0;
        return false;
    }

    /// <summary>
    /// A segment register: %fs and %gs have a base in 64-bit mode; %cs, %ds, %es and %ss are
    /// flat (base 0), so an override with them changes nothing and reads as <see cref="X86Segment.None"/>.
    /// </summary>
    public static bool TryLookUpSegment(string name, out X86Segment segment)
    {
        segment = name switch
        {
            "fs" => X86Segment.Fs,
            "gs" => X86Segment.Gs,
            _ => X86Segment.None,
        };
        return segment != X86Segment.None || name is "cs" or "ds" or "es" or "ss";
    }

    public static string Name(X86Register register) => register.ToString().ToLowerInvariant();

    private static Dictionary<string, (X86Register, int, int)> Build()
    {
        var table = new Dictionary<string, (X86Register, int, int)>(StringComparer.Ordinal);
        void Add(X86Register register, string r64, string r32, string r16, string r8)
        {
            table.Add(r64, (register, 8, 0));
            table.Add(r32, (register, 4, 0));
            table.Add(r16, (register, 2, 0));
            table.Add(r8, (register, 1, 0));
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
            table.Add($"r{n}l", (X86Register.R8 + (n - 8), 1, 0)); // Intel's spelling of r{n}b, accepted by gas
        }
        table.Add("ah", (X86Register.Rax, 1, 8));
        table.Add("bh", (X86Register.Rbx, 1, 8));
        table.Add("ch", (X86Register.Rcx, 1, 8));
        table.Add("dh", (X86Register.Rdx, 1, 8));
        table.Add("rip", (X86Register.Rip, 8, 0));
        return table;
    }
}
