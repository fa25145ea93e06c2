using System.Globalization;
using Probes.Consumer.Elf;

namespace Probes.Consumer.Usdt;

/// <summary>
/// Decodes the argument specs of one file's probes: each argument is parsed on its own, so one
/// operand that cannot be decoded costs only that probe its traceability, never the file its
/// listing; then every symbol the operands name (<c>counter(%rip)</c>, <c>table(,%rdi,4)</c>,
/// <c>%fs:tv@tpoff</c>) is looked up in the file's symbol tables in one pass
/// (<see cref="IElfFile.FindSymbols"/>: .symtab, then .dynsym).
///
/// A symbol resolves to its link-time value; the program adds the load bias at run time
/// (<c>ip - site</c>, zero for a fixed-address executable), so PIE, non-PIE and shared objects
/// are one case. A thread-local symbol under <c>@tpoff</c> resolves to its offset from the
/// thread pointer: <c>st_value</c> minus the size of the executable's TLS block as glibc lays it
/// out (<c>roundup(p_memsz - firstbyte, p_align) + firstbyte</c>, the static TLS of module 1).
/// What cannot be told is refused, never guessed: a name defined nowhere, defined at several
/// addresses (static variables of the same name in two translation units), or of the wrong kind
/// (a thread-local variable without @tpoff, or the reverse, an absolute symbol in a
/// position-independent file, whose value the load bias must not move).
/// </summary>
public static class UsdtArgumentDecoder
{
    public static IReadOnlyList<UsdtDecodedArguments> Decode(IElfFile file, IReadOnlyList<UsdtProbe> probes)
    {
        var slots = new List<UsdtArgument?[]>(probes.Count);
        var errors = new List<List<UsdtArgumentError>>(probes.Count);
        int errorBudget = UsdtLimits.MaxArgumentErrorsPerFile;
        foreach (UsdtProbe probe in probes)
        {
            var probeErrors = new List<UsdtArgumentError>();
            errors.Add(probeErrors);
            if (errorBudget <= 0)
            {
                slots.Add([]);
                probeErrors.Add(TooManyErrors);
                continue;
            }
            try
            {
                UsdtArgumentParser.RequireArgumentCount(probe.Arguments);
            }
            catch (UsdtSpecException e)
            {
                slots.Add([]);
                probeErrors.Add(new UsdtArgumentError(-1, probe.Arguments, e.Message));
                errorBudget--;
                continue;
            }
            string[] words = UsdtArgumentParser.Words(probe.Arguments);
            var parsed = new UsdtArgument?[words.Length];
            for (int i = 0; i < words.Length; i++)
            {
                if (errorBudget <= 0)
                {
                    probeErrors.Add(TooManyErrors);
                    break;
                }
                try
                {
                    parsed[i] = UsdtArgumentParser.ParseArgument(words[i]);
                }
                catch (UsdtSpecException e)
                {
                    probeErrors.Add(new UsdtArgumentError(i, words[i], WithoutArgumentPrefix(e.Message, words[i])));
                    errorBudget--;
                }
            }
            slots.Add(parsed);
        }

        ResolveSymbols(file, slots, errors, ref errorBudget);

        var decoded = new List<UsdtDecodedArguments>(probes.Count);
        for (int p = 0; p < probes.Count; p++)
        {
            List<UsdtArgumentError> probeErrors = errors[p];
            probeErrors.Sort((a, b) => a.Index.CompareTo(b.Index));
            decoded.Add(probeErrors.Count == 0 && slots[p].Length == 0
                ? UsdtDecodedArguments.None
                : new UsdtDecodedArguments(slots[p].OfType<UsdtArgument>().ToList(), probeErrors.Count == 0 ? [] : probeErrors));
        }
        return decoded;
    }

    /// <summary>The one error every probe of a file shares once the file has used up its error budget.</summary>
    private static readonly UsdtArgumentError TooManyErrors =
        new(-1, "", $"not decoded: this file's argument specs hold more than {UsdtLimits.MaxArgumentErrorsPerFile} errors");

    private static void ResolveSymbols(IElfFile file, List<UsdtArgument?[]> slots, List<List<UsdtArgumentError>> errors, ref int errorBudget)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (UsdtArgument?[] probe in slots)
        {
            foreach (UsdtArgument? argument in probe)
            {
                if (argument?.Symbol is { } name)
                {
                    names.Add(name);
                }
            }
        }
        if (names.Count == 0)
        {
            return;
        }

        ElfSymbolSearch? search = null;
        string? tableError = null;
        try
        {
            search = file.FindSymbols(names);
        }
        catch (ProbesException e)
        {
            tableError = $"its symbol tables cannot be read: {e.Message}";
        }

        var resolved = new Dictionary<(string, UsdtSymbolRelocation), (ulong? Value, string? Error)>();
        for (int p = 0; p < slots.Count; p++)
        {
            UsdtArgument?[] probe = slots[p];
            for (int i = 0; i < probe.Length; i++)
            {
                if (probe[i] is not { Symbol: { } name } argument)
                {
                    continue;
                }
                var key = (name, argument.Relocation);
                if (!resolved.TryGetValue(key, out var outcome))
                {
                    outcome = tableError is not null ? (null, tableError) : Resolve(file, search!, name, argument.Relocation);
                    resolved[key] = outcome;
                }
                if (outcome.Value is ulong value)
                {
                    probe[i] = argument with { SymbolValue = value };
                    continue;
                }
                probe[i] = null;
                errors[p].Add(errorBudget-- > 0 ? new UsdtArgumentError(i, argument.Spec, outcome.Error!) : TooManyErrors);
            }
        }
    }

    private static (ulong? Value, string? Error) Resolve(IElfFile file, ElfSymbolSearch search, string name, UsdtSymbolRelocation relocation)
    {
        if (!search.Definitions.TryGetValue(name, out IReadOnlyList<ElfSymbol>? definitions))
        {
            string tables = search.TablesRead.Count == 0 ? "the file has no symbol table" : $"searched {string.Join(" and ", search.TablesRead)}";
            string skipped = search.SkippedTables.Count == 0 ? "" : $"; not searched: {string.Join("; ", search.SkippedTables)}";
            return (null, $"symbol '{name}' is not defined in the file ({tables}{skipped})");
        }
        bool threadLocal = relocation == UsdtSymbolRelocation.ThreadPointerOffset;
        List<ElfSymbol> fitting = definitions.Where(s => s.IsThreadLocal == threadLocal).DistinctBy(s => s.Value).ToList();
        if (fitting.Count == 0)
        {
            return (null, threadLocal
                ? $"symbol '{name}' is not thread-local, so '{name}@tpoff' names nothing"
                : $"symbol '{name}' is thread-local: an operand reads it as %fs:{name}@tpoff, not by address");
        }
        if (fitting.Count > 1)
        {
            string values = string.Join(", ", fitting.Select(s => Hex(s.Value)));
            return (null, $"symbol '{name}' is defined {fitting.Count}{(definitions.Count >= ElfLimits.MaxDefinitionsPerSymbol ? " or more" : "")} times at different addresses ({values}) in {fitting[0].Table}; which one the probe reads cannot be told");
        }
        ElfSymbol symbol = fitting[0];
        if (threadLocal)
        {
            return ThreadPointerOffset(file, symbol);
        }
        if (symbol.IsAbsolute && file.FileType != ElfFileType.Executable)
        {
            return (null, $"symbol '{name}' is absolute (SHN_ABS) in a position-independent file: the load bias would move an address that does not move");
        }
        return (symbol.Value, null);
    }

    /// <summary>
    /// tpoff = st_value - the executable's static TLS offset. glibc places module 1's block right
    /// below the thread pointer at <c>roundup(memsz - firstbyte, align) + firstbyte</c>, where
    /// firstbyte makes the block's start keep p_vaddr's misalignment (0 for what ld emits).
    /// </summary>
    private static (ulong? Value, string? Error) ThreadPointerOffset(IElfFile file, ElfSymbol symbol)
    {
        ElfSegment? tls = file.Segments.Where(s => s.Type == ElfSegment.TypeTls).Select(s => (ElfSegment?)s).FirstOrDefault();
        if (tls is not { } segment)
        {
            return (null, $"symbol '{symbol.Name}' is thread-local, but the file has no PT_TLS segment");
        }
        ulong align = Math.Max(segment.Alignment, 1);
        if ((align & (align - 1)) != 0 || segment.MemorySize > uint.MaxValue || align > uint.MaxValue)
        {
            return (null, $"the PT_TLS segment (0x{segment.MemorySize:x} bytes, alignment 0x{segment.Alignment:x}) is not a TLS block glibc would lay out");
        }
        ulong firstByte = unchecked(0 - (segment.VirtualAddress & (align - 1))) & (align - 1);
        ulong size = RoundUp(segment.MemorySize - Math.Min(firstByte, segment.MemorySize), align) + firstByte;
        if (symbol.Value >= segment.MemorySize)
        {
            return (null, $"thread-local symbol '{symbol.Name}' (offset 0x{symbol.Value:x}) lies outside the 0x{segment.MemorySize:x}-byte TLS block");
        }
        return (unchecked(symbol.Value - size), null);
    }

    private static ulong RoundUp(ulong value, ulong align) => (value + align - 1) & ~(align - 1);

    private static string Hex(ulong value) => $"0x{value.ToString("x", CultureInfo.InvariantCulture)}";

    private static string WithoutArgumentPrefix(string message, string word)
    {
        string prefix = $"argument '{word}': ";
        return message.StartsWith(prefix, StringComparison.Ordinal) ? message[prefix.Length..] : message;
    }
}
