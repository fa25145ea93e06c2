using System.Globalization;

namespace Probes.Consumer.Usdt;

/// <summary>Describes a parsed argument in words, e.g. "8 signed bytes at *(rbp - 8)".</summary>
public static class UsdtArgumentText
{
    public static string Describe(UsdtArgument argument)
    {
        string width = $"{argument.Size} {(argument.IsSigned ? "signed" : "unsigned")} {(argument.Size == 1 ? "byte" : "bytes")}";
        return argument.Kind switch
        {
            UsdtArgumentKind.Constant => $"{width}, the constant {argument.Displacement.ToString(CultureInfo.InvariantCulture)}",
            UsdtArgumentKind.Register => $"{width} in {Register(argument.Base)}",
            UsdtArgumentKind.Memory => $"{width} at *({Register(argument.Base)}{Offset(argument.Displacement)})",
            UsdtArgumentKind.ScaleIndexBase =>
                $"{width} at *({Register(argument.Base)} + {Register(argument.Index)}*{argument.Scale}{Offset(argument.Displacement)})",
            UsdtArgumentKind.RipRelative => $"{width} at *(&{argument.Symbol}{Offset(argument.Displacement)})",
            _ => throw new ArgumentOutOfRangeException(nameof(argument), argument.Kind, "unknown argument kind"),
        };
    }

    private static string Register(X86Register register) => X86RegisterNames.Name(register);

    private static string Offset(long displacement) => displacement switch
    {
        0 => "",
        < 0 => $" - {((ulong)(-(displacement + 1)) + 1).ToString(CultureInfo.InvariantCulture)}",
        _ => $" + {displacement.ToString(CultureInfo.InvariantCulture)}",
    };
}
