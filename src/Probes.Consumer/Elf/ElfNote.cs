namespace Probes.Consumer.Elf;

/// <summary>One entry of a note section: owner name, type, and the raw descriptor bytes.</summary>
public sealed record ElfNote(string Owner, uint Type, ReadOnlyMemory<byte> Descriptor);
