namespace Probes.Consumer.Elf;

/// <summary>One entry of a note section: owner name, type, the raw descriptor bytes, and where the entry starts in its section (for messages).</summary>
public sealed record ElfNote(string Owner, uint Type, ReadOnlyMemory<byte> Descriptor, int Offset);
