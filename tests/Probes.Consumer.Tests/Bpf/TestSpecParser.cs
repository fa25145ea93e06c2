using System.Globalization;
using System.Text.RegularExpressions;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Bpf;

/// <summary>
/// A small USDT argument-spec parser for these tests only (the real parser lives in Usdt/ and is
/// written separately): enough for what gcc emits for the fixture.
/// </summary>
internal static partial class TestSpecParser
{
    public static IReadOnlyList<UsdtArgument> ParseAll(string specs) =>
        specs.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Parse).ToArray();

    public static UsdtArgument Parse(string spec)
    {
        Match m = SizeAndOperand().Match(spec);
        if (!m.Success)
        {
            throw new FormatException($"bad spec '{spec}'");
        }
        int size = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        bool signed = size < 0;
        size = Math.Abs(size);
        string operand = m.Groups[2].Value;

        if (operand.StartsWith('$'))
        {
            return new UsdtArgument(spec, UsdtArgumentKind.Constant, size, signed, X86Register.None, X86Register.None, 1, ParseNumber(operand[1..]), null);
        }
        if (operand.StartsWith('%'))
        {
            return new UsdtArgument(spec, UsdtArgumentKind.Register, size, signed, Register(operand), X86Register.None, 1, 0, null);
        }
        Match memory = MemoryOperand().Match(operand);
        if (!memory.Success)
        {
            throw new FormatException($"bad operand '{operand}' in '{spec}'");
        }
        string displacementText = memory.Groups[1].Value;
        X86Register baseRegister = memory.Groups[2].Success && memory.Groups[2].Value.Length > 0 ? Register(memory.Groups[2].Value) : X86Register.None;
        string? symbol = null;
        long displacement = 0;
        if (displacementText.Length > 0)
        {
            Match symbolic = SymbolPlusOffset().Match(displacementText);
            if (symbolic.Success)
            {
                symbol = symbolic.Groups[1].Value;
                displacement = symbolic.Groups[2].Success ? ParseNumber(symbolic.Groups[2].Value.Replace("+", "", StringComparison.Ordinal)) : 0;
            }
            else
            {
                displacement = ParseNumber(displacementText);
            }
        }
        if (memory.Groups[3].Success)
        {
            X86Register index = Register(memory.Groups[3].Value);
            int scale = memory.Groups[4].Success ? int.Parse(memory.Groups[4].Value, CultureInfo.InvariantCulture) : 1;
            return new UsdtArgument(spec, UsdtArgumentKind.ScaleIndexBase, size, signed, baseRegister, index, scale, displacement, symbol);
        }
        if (baseRegister == X86Register.Rip)
        {
            return new UsdtArgument(spec, UsdtArgumentKind.RipRelative, size, signed, X86Register.Rip, X86Register.None, 1, displacement, symbol);
        }
        return new UsdtArgument(spec, UsdtArgumentKind.Memory, size, signed, baseRegister, X86Register.None, 1, displacement, symbol);
    }

    private static long ParseNumber(string text)
    {
        bool negative = text.StartsWith('-');
        string digits = negative ? text[1..] : text;
        long value = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? long.Parse(digits[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : long.Parse(digits, CultureInfo.InvariantCulture);
        return negative ? -value : value;
    }

    private static X86Register Register(string name) => name.TrimStart('%') switch
    {
        "rax" or "eax" or "ax" or "al" => X86Register.Rax,
        "rbx" or "ebx" or "bx" or "bl" => X86Register.Rbx,
        "rcx" or "ecx" or "cx" or "cl" => X86Register.Rcx,
        "rdx" or "edx" or "dx" or "dl" => X86Register.Rdx,
        "rsi" or "esi" or "si" or "sil" => X86Register.Rsi,
        "rdi" or "edi" or "di" or "dil" => X86Register.Rdi,
        "rbp" or "ebp" or "bp" or "bpl" => X86Register.Rbp,
        "rsp" or "esp" or "sp" or "spl" => X86Register.Rsp,
        "rip" => X86Register.Rip,
        var r when r.StartsWith('r') && int.TryParse(r[1..].TrimEnd('d', 'w', 'b'), out int n) && n is >= 8 and <= 15 => X86Register.R8 + (n - 8),
        _ => throw new FormatException($"unknown register '{name}'"),
    };

    [GeneratedRegex(@"^(-?\d+)@(.+)$")]
    private static partial Regex SizeAndOperand();

    [GeneratedRegex(@"^([^(]*)\((%\w+)?(?:,(%\w+)(?:,(\d))?)?\)$")]
    private static partial Regex MemoryOperand();

    [GeneratedRegex(@"^([A-Za-z_][\w.]*)([+-](?:0x[0-9a-fA-F]+|\d+))?$")]
    private static partial Regex SymbolPlusOffset();
}
