namespace Probes.Consumer.Usdt;

/// <summary>
/// One USDT probe as found in a stapsdt note, plus where it lives in the file.
/// <see cref="Pc"/>, <see cref="Base"/> and <see cref="Semaphore"/> are the raw note values,
/// exactly as <c>readelf -n</c> prints them. <see cref="PcOffset"/> and
/// <see cref="SemaphoreOffset"/> are file offsets after the <c>.stapsdt.base</c> correction:
/// the first is where a uprobe goes, the second is the perf uprobe PMU's <c>ref_ctr_offset</c>.
/// </summary>
/// <param name="Provider">The provider, e.g. <c>libstdcxx</c>.</param>
/// <param name="Name">The probe name, e.g. <c>throw</c>.</param>
/// <param name="Pc">Link-time address of the probe's nop, as stored in the note.</param>
/// <param name="Base">Link-time address of <c>.stapsdt.base</c>, as stored in the note.</param>
/// <param name="Semaphore">Link-time address of the semaphore as stored, 0 when the probe has none.</param>
/// <param name="Arguments">The argument spec string exactly as stored, e.g. <c>-4@%edi 8@%rsi</c>.</param>
/// <param name="PcOffset">File offset of the probe site.</param>
/// <param name="SemaphoreOffset">File offset of the semaphore, 0 when the probe has none.</param>
public sealed record UsdtProbe(
    string Provider,
    string Name,
    ulong Pc,
    ulong Base,
    ulong Semaphore,
    string Arguments,
    ulong PcOffset,
    ulong SemaphoreOffset)
{
    /// <summary>
    /// The site's link-time address after the <c>.stapsdt.base</c> correction (equal to
    /// <see cref="Pc"/> unless the file was prelinked): the address in the same layout as the
    /// file's symbol tables, from which the program derives the load bias (<c>ip - SiteAddress</c>).
    /// </summary>
    public ulong SiteAddress { get; init; } = Pc;

    public bool HasSemaphore => Semaphore != 0;

    public override string ToString() => $"{Provider}:{Name}";
}
