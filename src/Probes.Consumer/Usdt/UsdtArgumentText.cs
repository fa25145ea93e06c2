using System.Globalization;

namespace Probes.Consumer.Usdt;

/// <summary>Describes a parsed argument in words, e.g. "8 signed bytes at *(rbp - 8)".</summary>
public static class UsdtArgumentText
{
    public static string Describe(UsdtArgument argument)
    {
        string width = $"{argument.Size} {(argument.IsSigned ? "signed" : "unsigned")} {(argument.Size == 1 ? "byte" : "bytes")}{(argument.IsFloat ? " of floating point" : "")}";
        return argument.Kind switch
        {
            UsdtArgumentKind.Constant when argument.Symbol is not null => $"{width}, the address &{argument.Symbol}{Offset(argument.Displacement)}{Resolved(argument)}",
            UsdtArgumentKind.Constant => $"{width}, the constant {argument.Displacement.ToString(CultureInfo.InvariantCulture)}",
            UsdtArgumentKind.Register when argument.RegisterBitOffset != 0 =>
                $"{width} in bits {argument.RegisterBitOffset}-{argument.RegisterBitOffset + 7} of {Register(argument.Base)}",
            UsdtArgumentKind.Register => $"{width} in {Register(argument.Base)}",
            _ => $"{width} at *({Address(argument)}){Resolved(argument)}",
        };
    }

    /// <summary>"fs + rsp + rdx*4 + &amp;sym - 40": the terms of a memory operand's address, first ones without a sign.</summary>
    private static string Address(UsdtArgument argument)
    {
        var terms = new List<string>();
        if (argument.Segment != X86Segment.None)
        {
            terms.Add($"{argument.Segment.ToString().ToLowerInvariant()} base");
        }
        if (argument.Base is not (X86Register.None or X86Register.Rip))
        {
            terms.Add(Register(argument.Base));
        }
        if (argument.Index != X86Register.None)
        {
            terms.Add($"{Register(argument.Index)}*{argument.Scale}");
        }
        if (argument.Symbol is not null)
        {
            terms.Add(argument.Relocation == UsdtSymbolRelocation.ThreadPointerOffset ? $"{argument.Symbol}@tpoff" : $"&{argument.Symbol}");
        }
        if (terms.Count == 0)
        {
            return Hex(argument.Displacement);
        }
        return string.Join(" + ", terms) + Offset(argument.Displacement);
    }

    private static string Resolved(UsdtArgument argument) => argument.SymbolValue is ulong value
        ? argument.Relocation == UsdtSymbolRelocation.ThreadPointerOffset
            ? $", {argument.Symbol}@tpoff = {unchecked((long)value).ToString(CultureInfo.InvariantCulture)}"
            : $", {argument.Symbol} at 0x{value.ToString("x", CultureInfo.InvariantCulture)} before relocation"
        : "";

    private static string Register(X86Register register) => X86RegisterNames.Name(register);

    private static string Hex(long value) => $"0x{value.ToString("x", CultureInfo.InvariantCulture)}";

    private static string Offset(long displacement) => displacement switch
    {
        0 => "",
        < 0 => $" - {((ulong)(-(displacement + 1)) + 1).ToString(CultureInfo.InvariantCulture)}",
        _ => $" + {displacement.ToString(CultureInfo.InvariantCulture)}",
    };
}
