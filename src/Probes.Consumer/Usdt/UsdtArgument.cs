namespace Probes.Consumer.Usdt;

/// <summary>Where a USDT argument's value comes from, after parsing its spec.</summary>
public enum UsdtArgumentKind
{
    /// <summary><c>$imm</c>: the value is <see cref="UsdtArgument.Displacement"/> itself.</summary>
    Constant,

    /// <summary><c>%reg</c>: the value is in <see cref="UsdtArgument.Base"/>.</summary>
    Register,

    /// <summary><c>disp(%reg)</c> or <c>(%reg)</c>: the value is in memory at base + displacement.</summary>
    Memory,

    /// <summary><c>disp(%base,%index,scale)</c>: memory at base + index * scale + displacement.</summary>
    ScaleIndexBase,

    /// <summary><c>sym+disp(%rip)</c>: memory at the run-time address of <see cref="UsdtArgument.Symbol"/> + displacement.</summary>
    RipRelative,
}

/// <summary>The 16 general-purpose x86-64 registers, by their 64-bit names (plus rip).</summary>
public enum X86Register
{
    None = 0,
    Rax, Rbx, Rcx, Rdx, Rsi, Rdi, Rbp, Rsp,
    R8, R9, R10, R11, R12, R13, R14, R15,
    Rip,
}

/// <summary>
/// One argument of a USDT probe, normalised at parse time (the libbpf/bcc way) so code
/// generation is a plain switch over <see cref="Kind"/>. Sizes are in bytes (1, 2, 4, 8).
/// The register named in the spec may be a 32/16/8-bit alias (<c>%edi</c>, <c>%di</c>,
/// <c>%dil</c>); it is recorded here as its 64-bit register, and <see cref="Size"/> with
/// <see cref="IsSigned"/> says how many low bytes count and how to extend them.
/// </summary>
/// <param name="Spec">The argument's text exactly as in the note, e.g. <c>-4@-20(%rbp)</c>.</param>
/// <param name="Kind">Where the value comes from.</param>
/// <param name="Size">Width of the value in bytes: 1, 2, 4 or 8.</param>
/// <param name="IsSigned">True for a negative size in the spec (<c>-4@...</c>): sign-extend.</param>
/// <param name="Base">The base (or only) register; <see cref="X86Register.None"/> for constants, <see cref="X86Register.Rip"/> for rip-relative.</param>
/// <param name="Index">The index register of a scale-index-base operand, else None.</param>
/// <param name="Scale">The scale of a scale-index-base operand (1, 2, 4, 8), else 1.</param>
/// <param name="Displacement">The constant of <c>$imm</c>, or the memory displacement.</param>
/// <param name="Symbol">The symbol of a rip-relative operand, else null.</param>
public sealed record UsdtArgument(
    string Spec,
    UsdtArgumentKind Kind,
    int Size,
    bool IsSigned,
    X86Register Base,
    X86Register Index,
    int Scale,
    long Displacement,
    string? Symbol);
