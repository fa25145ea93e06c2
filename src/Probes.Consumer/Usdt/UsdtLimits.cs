using Probes.Consumer.Elf;

namespace Probes.Consumer.Usdt;

/// <summary>
/// Upper bounds on what one file's stapsdt notes may hold (the ELF-level bounds are in
/// <see cref="ElfLimits"/>; these live here because Elf/ knows nothing of USDT). Each hit is a
/// <see cref="UsdtNoteException"/> or <see cref="UsdtSpecException"/> that names the limit,
/// and refuses the file.
///
/// What the probes of one file keep after it is closed: at most 10,000 <see cref="UsdtProbe"/>s
/// (~100 B each with their list slot, ~1 MiB) and their three strings, whose bytes come from
/// the note section and so add up to at most <see cref="ElfLimits.MaxNoteSectionBytes"/>
/// (8 MiB of UTF-16, + 30,000 string headers, ~0.7 MiB); their parsed arguments, at most 12 a
/// probe, add ~100 B each plus their text (at most the spec's bytes again): ~12 MiB + 8 MiB.
/// With the ~29 MiB of <see cref="ElfLimits"/> needed while reading, one file costs at most
/// <see cref="MaxBytesPerFile"/>; the consumer reads files one after another.
/// </summary>
public static class UsdtLimits
{
    /// <summary>
    /// stapsdt probes per file. libc has ~40, python ~10, a JVM with DTrace probes ~500; a
    /// file claiming more is not a program someone instrumented by hand.
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

    /// <summary>The worst case, in bytes, of reading one file's probes (see the summary for the sum).</summary>
    public const long MaxBytesPerFile = 64L * 1024 * 1024;
}
