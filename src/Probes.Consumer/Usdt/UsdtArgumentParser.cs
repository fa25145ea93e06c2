using System.Globalization;

namespace Probes.Consumer.Usdt;

/// <summary>
/// Parses the x86-64 argument spec of a stapsdt note into <see cref="UsdtArgument"/>s.
///
/// sys/sdt.h lets the compiler choose each operand ("nor" constraint by default, "g" if the
/// program asks) and stores it as <c>SIZE@OPERAND</c> in AT&amp;T syntax, arguments separated
/// by spaces. SIZE is 1, 2, 4 or 8, negative when the C type is signed, with an <c>f</c> for
/// floating point (<c>8f@</c>). OPERAND is what gas would accept as an instruction operand:
/// <list type="bullet">
/// <item><c>$imm</c>, <c>$sym+imm</c>: a constant (a symbol's run-time address for the latter);</item>
/// <item><c>%reg</c>: a register, any 64/32/16/8-bit name, %ah-%dh included;</item>
/// <item><c>disp(%base)</c>, <c>(%base)</c>: memory at register + displacement;</item>
/// <item><c>disp(%base,%index,scale)</c>, <c>disp(,%index,scale)</c>: memory at base + index * scale + displacement;</item>
/// <item><c>sym+disp(%rip)</c>, <c>disp+sym(%rip)</c>: memory at a symbol's run-time address + displacement;</item>
/// <item><c>sym+disp</c>, <c>0x601040</c>: memory at a fixed address (non-PIE executables);</item>
/// <item><c>%fs:MEMORY</c>: the same, relative to the thread pointer; <c>%fs:sym@tpoff</c> names a thread-local variable.</item>
/// </list>
/// A displacement is a sum of numbers (decimal, 0x-hex, 0-octal, 0b-binary) and at most one
/// symbol, which may appear in any memory form (<c>table(,%rdi,4)</c>, <c>shorts(%rsi,%rsi)</c>,
/// <c>table-8(,%rsi,4)</c>). Symbols stay names here; <see cref="UsdtArgumentDecoder"/>
/// resolves them in the file. Anything else is an error that quotes the argument and says what
/// was expected; callers add the probe and file.
/// </summary>
public static class UsdtArgumentParser
{
    /// <summary>Parses a whole spec string; an empty string means a probe without arguments. The first bad argument throws.</summary>
    public static IReadOnlyList<UsdtArgument> Parse(string spec) => Words(spec).Select(ParseArgument).ToList();

    /// <summary>
    /// Parses the spec of a probe, which holds at most <see cref="UsdtLimits.MaxArguments"/>
    /// arguments; the error names the probe, the file and the spec.
    /// </summary>
    public static IReadOnlyList<UsdtArgument> Parse(UsdtProbe probe, string path)
    {
        try
        {
            RequireArgumentCount(probe.Arguments);
            return Parse(probe.Arguments);
        }
        catch (UsdtSpecException e)
        {
            throw new UsdtSpecException($"{path}: probe {probe}: argument spec \"{probe.Arguments}\": {e.Message}");
        }
    }

    /// <summary>The arguments of a spec, as the whitespace-separated words it holds.</summary>
    public static string[] Words(string spec) => spec.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Throws when the spec holds more than <see cref="UsdtLimits.MaxArguments"/> arguments (counted without allocating).</summary>
    public static void RequireArgumentCount(string spec)
    {
        int count = 0;
        bool inWord = false;
        foreach (char c in spec)
        {
            bool space = char.IsWhiteSpace(c);
            count += !space && !inWord ? 1 : 0;
            inWord = !space;
        }
        if (count > UsdtLimits.MaxArguments)
        {
            throw new UsdtSpecException($"{count} arguments, more than the limit of {UsdtLimits.MaxArguments} (sys/sdt.h emits at most 12)");
        }
    }

    public static UsdtArgument ParseArgument(string text)
    {
        int at = text.IndexOf('@');
        if (at < 0)
        {
            throw Error(text, "expected SIZE@OPERAND");
        }
        (int size, bool signed, bool isFloat) = ParseSize(text, text[..at]);
        string operand = text[(at + 1)..];
        if (operand.Length == 0)
        {
            throw Error(text, "missing operand after '@'");
        }

        UsdtArgument argument;
        if (operand[0] == '$')
        {
            if (operand.Length == 1)
            {
                throw Error(text, "missing constant after '$'");
            }
            Expression value = ParseExpression(text, operand[1..], "constant");
            if (value.Relocation != UsdtSymbolRelocation.Address)
            {
                throw Error(text, $"a constant cannot be {value.Symbol}@tpoff");
            }
            argument = new UsdtArgument(text, UsdtArgumentKind.Constant, size, signed, X86Register.None, X86Register.None, 1, value.Number, value.Symbol);
        }
        else if (operand[0] == '%' && operand.IndexOf(':') is int colon and > 0)
        {
            string segmentName = operand[1..colon];
            if (!X86RegisterNames.TryLookUpSegment(segmentName, out X86Segment segment))
            {
                throw Error(text, $"'%{segmentName}:' is not a segment register");
            }
            argument = ParseMemory(text, operand[(colon + 1)..], size, signed, segment);
        }
        else if (operand[0] == '%')
        {
            if (!X86RegisterNames.TryLookUp(operand[1..], out X86Register register, out _, out int bitOffset))
            {
                throw Error(text, $"unknown register '{operand}'");
            }
            if (register == X86Register.Rip)
            {
                throw Error(text, "%rip is only allowed as the base of a memory operand");
            }
            argument = new UsdtArgument(text, UsdtArgumentKind.Register, size, signed, register, X86Register.None, 1, 0, null) { RegisterBitOffset = bitOffset };
        }
        else
        {
            argument = ParseMemory(text, operand, size, signed, X86Segment.None);
        }
        return isFloat ? argument with { IsFloat = true } : argument;
    }

    private static UsdtArgument ParseMemory(string text, string operand, int size, bool signed, X86Segment segment)
    {
        if (operand.Length == 0)
        {
            throw Error(text, "missing memory operand after the segment");
        }
        int open = operand.IndexOf('(');
        string displacementText = open < 0 ? operand : operand[..open];
        string[]? parts = null;
        if (open >= 0)
        {
            if (operand[^1] != ')' || operand.Length < open + 2 || operand.AsSpan(open + 1, operand.Length - open - 2).IndexOfAny('(', ')') >= 0)
            {
                throw Error(text, "expected $imm, %reg or a memory operand disp(%base[,%index[,scale]])");
            }
            parts = operand[(open + 1)..^1].Split(',');
            if (parts.Length > 3)
            {
                throw Error(text, "a memory operand has at most base, index and scale");
            }
        }
        else if (operand.Contains(')'))
        {
            throw Error(text, "expected $imm, %reg or a memory operand disp(%base[,%index[,scale]])");
        }

        Expression displacement = ParseExpression(text, displacementText, "displacement");
        X86Register baseRegister = X86Register.None, index = X86Register.None;
        int scale = 1;
        UsdtArgumentKind kind = UsdtArgumentKind.Absolute;
        if (parts is not null)
        {
            baseRegister = parts[0].Trim().Length == 0 ? X86Register.None : ParseAddressRegister(text, parts[0], "base");
            if (parts.Length >= 2)
            {
                index = ParseAddressRegister(text, parts[1], "index");
                if (index is X86Register.Rip or X86Register.Rsp)
                {
                    throw Error(text, $"%{X86RegisterNames.Name(index)} cannot be an index register");
                }
                scale = parts.Length == 3 ? ParseScale(text, parts[2]) : 1;
            }
            if (baseRegister == X86Register.None && index == X86Register.None)
            {
                throw Error(text, "a memory operand needs a base or an index register inside its parentheses");
            }
            kind = baseRegister == X86Register.Rip ? UsdtArgumentKind.RipRelative
                : index != X86Register.None ? UsdtArgumentKind.ScaleIndexBase
                : UsdtArgumentKind.Memory;
        }

        if (kind == UsdtArgumentKind.RipRelative)
        {
            if (index != X86Register.None)
            {
                throw Error(text, "a %rip-relative operand takes no index or scale");
            }
            if (displacement.Symbol is null)
            {
                throw Error(text, "a %rip-relative operand needs a symbol (sym+disp(%rip)): its target is known only to the assembler");
            }
        }
        if (displacement.Relocation == UsdtSymbolRelocation.ThreadPointerOffset && (segment != X86Segment.Fs || kind == UsdtArgumentKind.RipRelative))
        {
            throw Error(text, $"{displacement.Symbol}@tpoff is an offset from the thread pointer: it is read through %fs:, without %rip");
        }
        if (segment == X86Segment.Fs && displacement.Symbol is not null && displacement.Relocation != UsdtSymbolRelocation.ThreadPointerOffset)
        {
            throw Error(text, $"a %fs: operand names a thread-local variable as {displacement.Symbol}@tpoff");
        }
        return new UsdtArgument(text, kind, size, signed, baseRegister, index, scale, displacement.Number, displacement.Symbol)
        {
            Segment = segment,
            Relocation = displacement.Relocation,
        };
    }

    private static (int Size, bool Signed, bool Float) ParseSize(string text, string sizeText)
    {
        bool signed = sizeText.StartsWith('-');
        string digits = signed ? sizeText[1..] : sizeText;
        bool isFloat = digits.EndsWith('f');
        digits = isFloat ? digits[..^1] : digits;
        return digits switch
        {
            "1" => (1, signed, isFloat),
            "2" => (2, signed, isFloat),
            "4" => (4, signed, isFloat),
            "8" => (8, signed, isFloat),
            "16" => throw Error(text, "16-byte values (long double, __int128) do not fit a 64-bit argument"),
            _ => throw Error(text, $"size '{sizeText}' is not one of 1, 2, 4, 8 (negative for signed, f for floating point)"),
        };
    }

    /// <summary>A base or index register: the full 64-bit name, as addresses are 64-bit here.</summary>
    private static X86Register ParseAddressRegister(string text, string part, string role)
    {
        string trimmed = part.Trim();
        if (trimmed.Length < 2 || trimmed[0] != '%')
        {
            throw Error(text, $"{role} '{part}' is not a %register");
        }
        if (!X86RegisterNames.TryLookUp(trimmed[1..], out X86Register register, out int width))
        {
            throw Error(text, $"unknown register '{trimmed}'");
        }
        return width == 8
            ? register
            : throw Error(text, $"{role} register '{trimmed}' is not 64-bit; x86-64 addresses use %rax..%r15 and %rip");
    }

    private static int ParseScale(string text, string part) =>
        part.Trim() switch
        {
            "1" => 1,
            "2" => 2,
            "4" => 4,
            "8" => 8,
            _ => throw Error(text, $"scale '{part}' is not 1, 2, 4 or 8"),
        };

    /// <summary>The numbers of a displacement or constant, summed (wrapping, as gas does), and its one symbol.</summary>
    private readonly record struct Expression(long Number, string? Symbol, UsdtSymbolRelocation Relocation);

    /// <summary>
    /// Parses <c>[+-]term ([+-]term)*</c> where a term is a number or a symbol (with an optional
    /// <c>@tpoff</c>): <c>16</c>, <c>-8</c>, <c>st+8</c>, <c>8+st</c>, <c>table-8</c>, <c>tv@tpoff</c>.
    /// At most one symbol, never subtracted (an address minus a symbol is no address).
    /// </summary>
    private static Expression ParseExpression(string text, string expression, string role)
    {
        long number = 0;
        string? symbol = null;
        UsdtSymbolRelocation relocation = UsdtSymbolRelocation.Address;
        int position = 0;
        bool first = true;
        while (position < expression.Length)
        {
            bool negative = false;
            if (expression[position] is '+' or '-')
            {
                negative = expression[position] == '-';
                position++;
            }
            else if (!first)
            {
                throw Error(text, $"unexpected '{expression[position..]}' in {role} '{expression}'");
            }
            if (position == expression.Length)
            {
                throw Error(text, $"{role} '{expression}' ends with an operator");
            }
            first = false;

            char c = expression[position];
            if (char.IsAsciiDigit(c))
            {
                int end = position;
                while (end < expression.Length && char.IsAsciiLetterOrDigit(expression[end]))
                {
                    end++;
                }
                long value = ParseNumber(text, expression[position..end], role);
                number = unchecked(negative ? number - value : number + value);
                position = end;
            }
            else if (IsSymbolStart(c))
            {
                int end = position + 1;
                while (end < expression.Length && IsSymbolPart(expression[end]))
                {
                    end++;
                }
                string name = expression[position..end];
                if (symbol is not null)
                {
                    throw Error(text, $"{role} '{expression}' names two symbols, '{symbol}' and '{name}'");
                }
                if (negative)
                {
                    throw Error(text, $"{role} '{expression}' subtracts the symbol '{name}'; only adding one makes an address");
                }
                symbol = name;
                position = end;
                if (position < expression.Length && expression[position] == '@')
                {
                    int relocationEnd = position + 1;
                    while (relocationEnd < expression.Length && char.IsAsciiLetterOrDigit(expression[relocationEnd]))
                    {
                        relocationEnd++;
                    }
                    string suffix = expression[(position + 1)..relocationEnd];
                    relocation = suffix.Equals("tpoff", StringComparison.OrdinalIgnoreCase)
                        ? UsdtSymbolRelocation.ThreadPointerOffset
                        : throw Error(text, $"'{name}@{suffix}' is not supported; of the relocation operators only @tpoff (under %fs:) names a place in memory");
                    position = relocationEnd;
                }
            }
            else
            {
                throw Error(text, $"unexpected '{expression[position..]}' in {role} '{expression}'");
            }
        }
        return new Expression(number, symbol, relocation);
    }

    private static bool IsSymbolStart(char c) => char.IsAsciiLetter(c) || c is '_' or '.';

    private static bool IsSymbolPart(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '$';

    /// <summary>Decimal, 0x-hex, 0b-binary or 0-octal, as gas reads them; 64-bit unsigned values wrap to their two's complement, as gas stores them.</summary>
    private static long ParseNumber(string text, string digits, string role)
    {
        (NumberStyles style, string body, int radix) = digits switch
        {
            _ when digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase) => (NumberStyles.AllowHexSpecifier, digits[2..], 16),
            _ when digits.StartsWith("0b", StringComparison.OrdinalIgnoreCase) => (NumberStyles.AllowBinarySpecifier, digits[2..], 2),
            _ when digits.Length > 1 && digits[0] == '0' => (NumberStyles.None, digits[1..], 8),
            _ => (NumberStyles.None, digits, 10),
        };
        ulong magnitude = 0;
        bool parsed = body.Length > 0 && (radix == 8
            ? TryParseOctal(body, out magnitude)
            : ulong.TryParse(body, style, CultureInfo.InvariantCulture, out magnitude));
        return parsed ? unchecked((long)magnitude) : throw Error(text, $"{role} '{digits}' is not a number");
    }

    private static bool TryParseOctal(string digits, out ulong value)
    {
        value = 0;
        foreach (char c in digits)
        {
            if (c is < '0' or > '7' || value > (ulong.MaxValue >> 3))
            {
                return false;
            }
            value = (value << 3) | (uint)(c - '0');
        }
        return true;
    }

    private static UsdtSpecException Error(string argument, string reason) => new($"argument '{argument}': {reason}");
}
