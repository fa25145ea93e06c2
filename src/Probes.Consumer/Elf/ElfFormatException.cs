namespace Probes.Consumer.Elf;

/// <summary>The bytes are not a well-formed ELF64 little-endian file (or exceed a reader limit).</summary>
public sealed class ElfFormatException(string message) : ProbesException(ErrorKind.BadInput, message);
