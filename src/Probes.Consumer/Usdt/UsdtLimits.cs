using Probes.Consumer.Elf;

namespace Probes.Consumer.Usdt;

/// <summary>
/// Upper bounds on what one file's stapsdt notes may hold (the ELF-level bounds are in
/// <see cref="ElfLimits"/>; these live here because Elf/ knows nothing of USDT). A note past a
/// limit is a <see cref="UsdtNoteException"/> that names the limit and refuses the file; a spec
/// past <see cref="MaxArguments"/> costs only its probe (an argument error, the probe listed
/// but not traced), and <see cref="MaxArgumentErrorsPerFile"/> bounds how many such errors one
/// file may cost.
///
/// Memory for one file (Security/NoteMemoryBoundTests reads a file at every limit at once):
/// the ELF side costs ~25 MiB (<see cref="ElfLimits"/>); the probes add at most 10,000
/// <see cref="UsdtProbe"/>s (~100 B each) and their strings, whose bytes come out of the 4 MiB
/// note section (8 MiB of UTF-16); decoding their specs makes at most 120,000 arguments of
/// ~200 B kept (the record and its text), plus ~450 B of substrings each that are garbage at
/// once; a symbol lookup adds at most one 16 MiB name table, garbage when it returns. So
/// reading one file allocates at most <see cref="MaxBytesAllocatedPerFile"/> (measured: 99 MiB;
/// this bounds the peak) and keeps at most <see cref="MaxBytesKeptPerFile"/> (measured:
/// 34 MiB). Files are read one after another, so a target's cost is what it keeps per file
/// times its files.
/// </summary>
public static class UsdtLimits
{
    /// <summary>
    /// stapsdt probes per file. python has 8, a glibc built with systemtap a few dozen, a JVM
    /// built with DTrace probes several hundred (most generated for JNI); ten times the largest
    /// leaves room and still bounds what a file can cost.
    /// </summary>
    public const int MaxProbesPerFile = 10_000;

    /// <summary>
    /// Bytes of a provider or probe name. sys/sdt.h pastes C identifiers there (python's
    /// longest is import__find__load__start, 25 bytes).
    /// </summary>
    public const int MaxNameBytes = 256;

    /// <summary>
    /// Bytes of one argument spec. Twelve arguments of the longest form, a scale-index-base
    /// operand or a %rip-relative one naming a C++ mangled symbol, fit easily.
    /// </summary>
    public const int MaxArgumentSpecBytes = 4096;

    /// <summary>Arguments of one probe: sys/sdt.h defines STAP_PROBE0 to STAP_PROBE12 (libbpf's USDT_MAX_ARG_CNT is 12 too).</summary>
    public const int MaxArguments = 12;

    /// <summary>
    /// Arguments of one file that may fail to decode, each with its own error. A compiler's
    /// notes decode (the corpus of this machine: none fails); a file past this is damaged or
    /// crafted, so its remaining probes share one error instead of costing an exception and a
    /// message each.
    /// </summary>
    public const int MaxArgumentErrorsPerFile = 256;

    /// <summary>Everything allocated to read one file and parse its argument specs, garbage included (an upper bound on the peak).</summary>
    public const long MaxBytesAllocatedPerFile = 128L * 1024 * 1024;

    /// <summary>What the probes of one file and their parsed arguments keep once the file is closed.</summary>
    public const long MaxBytesKeptPerFile = 40L * 1024 * 1024;
}
