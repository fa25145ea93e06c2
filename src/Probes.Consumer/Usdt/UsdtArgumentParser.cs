using System.Globalization;

namespace Probes.Consumer.Usdt;

/// <summary>
/// Parses the x86-64 argument spec of a stapsdt note into <see cref="UsdtArgument"/>s.
///
/// sys/sdt.h lets the compiler choose each operand ("nor" constraint) and stores it as
/// <c>SIZE@OPERAND</c> in AT&amp;T syntax, arguments separated by spaces. SIZE is 1, 2, 4 or 8,
/// negative when the C type is signed. OPERAND is one of
/// <list type="bullet">
/// <item><c>$imm</c>: a constant;</item>
/// <item><c>%reg</c>: a register (any 64/32/16/8-bit name);</item>
/// <item><c>disp(%reg)</c> or <c>(%reg)</c>: memory at register + displacement;</item>
/// <item><c>disp(%base,%index,scale)</c>: memory at base + index * scale + displacement;</item>
/// <item><c>sym+disp(%rip)</c>, <c>sym-disp(%rip)</c>, <c>sym(%rip)</c>: memory at a symbol's run-time address + displacement.</item>
/// </list>
/// Numbers are decimal or 0x-hexadecimal with an optional sign. Anything else is an error
/// that quotes the argument and says what was expected; callers add the probe and file. A
/// probe's spec holds at most <see cref="UsdtLimits.MaxArguments"/> arguments (its length was
/// bounded when the note was decoded).
/// </summary>
public static class UsdtArgumentParser
{
    /// <summary>Parses a whole spec string; an empty string means a probe without arguments.</summary>
    public static IReadOnlyList<UsdtArgument> Parse(string spec)
    {
        var arguments = new List<UsdtArgument>();
        foreach (string text in spec.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            arguments.Add(ParseArgument(text));
        }
        return arguments;
    }

    /// <summary>
    /// Parses the spec of a probe, which holds at most <see cref="UsdtLimits.MaxArguments"/>
    /// arguments; the error names the probe, the file and the spec.
    /// </summary>
    public static IReadOnlyList<UsdtArgument> Parse(UsdtProbe probe, string path)
    {
        try
        {
            int count = CountArguments(probe.Arguments);
            if (count > UsdtLimits.MaxArguments)
            {
                throw new UsdtSpecException($"{count} arguments, more than the limit of {UsdtLimits.MaxArguments} (sys/sdt.h emits at most 12)");
            }
            return Parse(probe.Arguments);
        }
        catch (UsdtSpecException e)
        {
            throw new UsdtSpecException($"{path}: probe {probe}: argument spec \"{probe.Arguments}\": {e.Message}");
        }
    }

    /// <summary>Whitespace-separated words, as <see cref="Parse(string)"/> splits them, counted without allocating.</summary>
    private static int CountArguments(string spec)
    {
        int count = 0;
        bool inWord = false;
        foreach (char c in spec)
        {
            bool space = char.IsWhiteSpace(c);
            count += !space && !inWord ? 1 : 0;
            inWord = !space;
        }
        return count;
    }

    public static UsdtArgument ParseArgument(string text)
    {
        int at = text.IndexOf('@');
        if (at < 0)
        {
            throw Error(text, "expected SIZE@OPERAND");
        }
        (int size, bool signed) = ParseSize(text, text[..at]);
        string operand = text[(at + 1)..];
        if (operand.Length == 0)
        {
            throw Error(text, "missing operand after '@'");
        }

        if (operand[0] == '$')
        {
            long value = ParseNumber(text, operand[1..], "constant");
            return new UsdtArgument(text, UsdtArgumentKind.Constant, size, signed, X86Register.None, X86Register.None, 1, value, null);
        }
        if (operand[0] == '%')
        {
            X86Register register = ParseRegister(text, operand[1..]);
            if (register == X86Register.Rip)
            {
                throw Error(text, "%rip is only allowed as the base of a memory operand");
            }
            return new UsdtArgument(text, UsdtArgumentKind.Register, size, signed, register, X86Register.None, 1, 0, null);
        }
        return ParseMemory(text, operand, size, signed);
    }

    private static UsdtArgument ParseMemory(string text, string operand, int size, bool signed)
    {
        int open = operand.IndexOf('(');
        if (open < 0 || operand[^1] != ')')
        {
            throw Error(text, "expected $imm, %reg or a memory operand disp(%base[,%index[,scale]])");
        }
        string displacementText = operand[..open];
        string[] parts = operand[(open + 1)..^1].Split(',');
        if (parts.Length > 3)
        {
            throw Error(text, "a memory operand has at most base, index and scale");
        }

        if (parts[0].Length == 0)
        {
            throw Error(text, "a memory operand without a base register is not supported");
        }
        X86Register baseRegister = ParseRegisterOperand(text, parts[0], "base");

        if (baseRegister == X86Register.Rip)
        {
            if (parts.Length != 1)
            {
                throw Error(text, "a %rip-relative operand takes no index or scale");
            }
            (string? symbol, long offset) = ParseSymbolDisplacement(text, displacementText);
            return new UsdtArgument(text, UsdtArgumentKind.RipRelative, size, signed, X86Register.Rip, X86Register.None, 1, offset, symbol);
        }

        long displacement = displacementText.Length == 0 ? 0 : ParseNumber(text, displacementText, "displacement");
        if (parts.Length == 1)
        {
            return new UsdtArgument(text, UsdtArgumentKind.Memory, size, signed, baseRegister, X86Register.None, 1, displacement, null);
        }

        X86Register index = ParseRegisterOperand(text, parts[1], "index");
        if (index is X86Register.Rip or X86Register.Rsp)
        {
            throw Error(text, $"%{X86RegisterNames.Name(index)} cannot be an index register");
        }
        int scale = parts.Length == 3 ? ParseScale(text, parts[2]) : 1;
        return new UsdtArgument(text, UsdtArgumentKind.ScaleIndexBase, size, signed, baseRegister, index, scale, displacement, null);
    }

    private static (int Size, bool Signed) ParseSize(string text, string sizeText)
    {
        return sizeText switch
        {
            "1" => (1, false),
            "2" => (2, false),
            "4" => (4, false),
            "8" => (8, false),
            "-1" => (1, true),
            "-2" => (2, true),
            "-4" => (4, true),
            "-8" => (8, true),
            _ => throw Error(text, $"size '{sizeText}' is not one of 1, 2, 4, 8 (negative for signed)"),
        };
    }

    private static X86Register ParseRegisterOperand(string text, string part, string role)
    {
        string trimmed = part.Trim();
        if (trimmed.Length < 2 || trimmed[0] != '%')
        {
            throw Error(text, $"{role} '{part}' is not a %register");
        }
        return ParseRegister(text, trimmed[1..]);
    }

    private static X86Register ParseRegister(string text, string name) =>
        X86RegisterNames.TryLookUp(name, out X86Register register, out _)
            ? register
            : throw Error(text, $"unknown register '%{name}'");

    private static int ParseScale(string text, string part) =>
        part.Trim() switch
        {
            "1" => 1,
            "2" => 2,
            "4" => 4,
            "8" => 8,
            _ => throw Error(text, $"scale '{part}' is not 1, 2, 4 or 8"),
        };

    /// <summary>Splits <c>sym</c>, <c>sym+disp</c>, <c>sym-disp</c> (the symbol is required for %rip).</summary>
    private static (string? Symbol, long Displacement) ParseSymbolDisplacement(string text, string displacementText)
    {
        if (displacementText.Length == 0 || !IsSymbolStart(displacementText[0]))
        {
            throw Error(text, "a %rip-relative operand needs a symbol (sym+disp(%rip))");
        }
        int end = 1;
        while (end < displacementText.Length && IsSymbolPart(displacementText[end]))
        {
            end++;
        }
        string symbol = displacementText[..end];
        string rest = displacementText[end..];
        if (rest.Length == 0)
        {
            return (symbol, 0);
        }
        if (rest[0] is not ('+' or '-'))
        {
            throw Error(text, $"unexpected '{rest}' after symbol '{symbol}'");
        }
        return (symbol, ParseNumber(text, rest[0] == '+' ? rest[1..] : rest, "displacement"));
    }

    private static bool IsSymbolStart(char c) => char.IsAsciiLetter(c) || c is '_' or '.';

    private static bool IsSymbolPart(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '$' or '@';

    /// <summary>Decimal or 0x-hex, optional sign; 64-bit unsigned values wrap to their two's complement, as gas stores them.</summary>
    private static long ParseNumber(string text, string number, string what)
    {
        bool negative = number.StartsWith('-');
        string digits = negative || number.StartsWith('+') ? number[1..] : number;
        bool hex = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        bool parsed = hex
            ? ulong.TryParse(digits.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong magnitude)
            : ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out magnitude);
        if (!parsed || digits.Length == 0)
        {
            throw Error(text, $"{what} '{number}' is not a number");
        }
        return negative ? unchecked(-(long)magnitude) : unchecked((long)magnitude);
    }

    private static UsdtSpecException Error(string argument, string reason) => new($"argument '{argument}': {reason}");
}
