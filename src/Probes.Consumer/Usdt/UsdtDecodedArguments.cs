namespace Probes.Consumer.Usdt;

/// <summary>
/// An argument of a probe that could not be decoded: its position in the spec (-1 when the spec
/// as a whole was refused, e.g. for holding too many arguments), its text, and why.
/// </summary>
public sealed record UsdtArgumentError(int Index, string Spec, string Reason)
{
    /// <summary>"arg2 '8@x(%rip)': symbol 'x' is defined in none of ..." or the spec-wide reason.</summary>
    public override string ToString() => Index < 0 ? Reason : $"arg{Index} '{Spec}': {Reason}";
}

/// <summary>
/// The arguments of one probe as decoded from its spec: every argument that decoded, in spec
/// order, and one error for each that did not. A probe is traceable only when
/// <see cref="IsComplete"/>; it is listed either way, as readelf lists it.
/// </summary>
public sealed record UsdtDecodedArguments(IReadOnlyList<UsdtArgument> Arguments, IReadOnlyList<UsdtArgumentError> Errors)
{
    public static readonly UsdtDecodedArguments None = new([], []);

    public bool IsComplete => Errors.Count == 0;
}
