namespace Probes.Consumer.Usdt;

/// <summary>Where a USDT argument's value comes from, after parsing its spec.</summary>
public enum UsdtArgumentKind
{
    /// <summary><c>$imm</c> (or <c>$sym+imm</c>): the value is <see cref="UsdtArgument.Displacement"/> (plus the symbol's run-time address).</summary>
    Constant,

    /// <summary><c>%reg</c>: the value is in <see cref="UsdtArgument.Base"/>.</summary>
    Register,

    /// <summary><c>disp(%reg)</c>, <c>(%reg)</c> or <c>sym+disp(%reg)</c>: the value is in memory at base + displacement (+ symbol).</summary>
    Memory,

    /// <summary><c>disp(%base,%index,scale)</c> or <c>sym(,%index,scale)</c>: memory at base + index * scale + displacement (+ symbol); the base may be absent.</summary>
    ScaleIndexBase,

    /// <summary><c>sym+disp(%rip)</c>: memory at the run-time address of <see cref="UsdtArgument.Symbol"/> + displacement.</summary>
    RipRelative,

    /// <summary><c>sym+disp</c> or <c>0x601040</c> without registers: memory at that address (fixed-address executables, or <c>%fs:sym@tpoff</c>).</summary>
    Absolute,
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
/// A segment override of a memory operand. In 64-bit mode only %fs and %gs have a base (the
/// thread pointer is %fs's); %cs, %ds, %es and %ss read as <see cref="None"/>.
/// </summary>
public enum X86Segment
{
    None = 0,
    Fs,
    Gs,
}

/// <summary>What the value of <see cref="UsdtArgument.Symbol"/> means.</summary>
public enum UsdtSymbolRelocation
{
    /// <summary><c>sym</c>: the symbol's address, which moves with the file's load bias.</summary>
    Address = 0,

    /// <summary><c>sym@tpoff</c>: the distance from the thread pointer to the thread's copy of a thread-local variable of the executable.</summary>
    ThreadPointerOffset,
}

/// <summary>
/// One argument of a USDT probe, normalised at parse time (the libbpf/bcc way) so code
/// generation is a plain computation: a constant, a register, or memory at
/// <c>segment base + base + index * scale + displacement + symbol</c>, every part optional.
/// Sizes are in bytes (1, 2, 4, 8). The register named in the spec may be a 32/16/8-bit alias
/// (<c>%edi</c>, <c>%di</c>, <c>%dil</c>, <c>%ah</c>); it is recorded here as its 64-bit
/// register, and <see cref="Size"/>, <see cref="IsSigned"/> and
/// <see cref="RegisterBitOffset"/> say which bits count and how to extend them.
/// </summary>
/// <param name="Spec">The argument's text exactly as in the note, e.g. <c>-4@-20(%rbp)</c>.</param>
/// <param name="Kind">Where the value comes from.</param>
/// <param name="Size">Width of the value in bytes: 1, 2, 4 or 8.</param>
/// <param name="IsSigned">True for a negative size in the spec (<c>-4@...</c>): sign-extend.</param>
/// <param name="Base">The base (or only) register; <see cref="X86Register.None"/> for constants and absolute or base-less operands, <see cref="X86Register.Rip"/> for rip-relative.</param>
/// <param name="Index">The index register of a scale-index-base operand, else None.</param>
/// <param name="Scale">The scale of a scale-index-base operand (1, 2, 4, 8), else 1.</param>
/// <param name="Displacement">The constant of <c>$imm</c>, or the memory displacement (the numbers of the operand, summed).</param>
/// <param name="Symbol">The symbol the operand names, else null.</param>
public sealed record UsdtArgument(
    string Spec,
    UsdtArgumentKind Kind,
    int Size,
    bool IsSigned,
    X86Register Base,
    X86Register Index,
    int Scale,
    long Displacement,
    string? Symbol)
{
    /// <summary>A floating-point value (<c>8f@</c>, <c>4f@</c>): the bits of the double or float, passed as they are.</summary>
    public bool IsFloat { get; init; }

    /// <summary>For a register argument, the bit where the value starts: 0, or 8 for %ah, %bh, %ch and %dh.</summary>
    public int RegisterBitOffset { get; init; }

    /// <summary>The segment override of a memory operand (<c>%fs:...</c>), whose base is added to its address.</summary>
    public X86Segment Segment { get; init; }

    /// <summary>How <see cref="Symbol"/> becomes part of the address (or constant).</summary>
    public UsdtSymbolRelocation Relocation { get; init; }

    /// <summary>
    /// Set when the symbol was resolved in the file (<see cref="UsdtArgumentDecoder"/>): its
    /// link-time address, or for <see cref="UsdtSymbolRelocation.ThreadPointerOffset"/> the
    /// offset from the thread pointer (negative, as two's complement). Null before then.
    /// </summary>
    public ulong? SymbolValue { get; init; }

    /// <summary>True when the value is read from the traced process's memory.</summary>
    public bool ReadsMemory => Kind is not (UsdtArgumentKind.Constant or UsdtArgumentKind.Register);

    /// <summary>True when the argument is complete for code generation: no symbol, or a resolved one.</summary>
    public bool IsResolved => Symbol is null || SymbolValue is not null;
}
