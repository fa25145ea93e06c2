using System.Buffers.Binary;

namespace ElfReaderComparison;

/// <summary>
/// Damaged copies of a seed file, from a fixed seed so every run sees the same ones: header and
/// table fields set to boundary values, note sizes rewritten, random bytes, truncations. Used to
/// list which exceptions each reader lets out on bad input.
/// </summary>
public static class Mutants
{
    private static readonly ulong[] Boundaries = [0, 1, 0x7f, 0xff, 0xffff, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x1_0000_0000, 0x7fff_ffff_ffff_ffff, ulong.MaxValue];

    public static IEnumerable<byte[]> Of(byte[] seed, int count, int randomSeed)
    {
        var random = new Random(randomSeed);
        int sectionTable = (int)BinaryPrimitives.ReadUInt64LittleEndian(seed.AsSpan(0x28));
        int sections = BinaryPrimitives.ReadUInt16LittleEndian(seed.AsSpan(0x3c));
        int programTable = (int)BinaryPrimitives.ReadUInt64LittleEndian(seed.AsSpan(0x20));
        int segments = BinaryPrimitives.ReadUInt16LittleEndian(seed.AsSpan(0x38));
        for (int i = 0; i < count; i++)
        {
            byte[] mutant = (byte[])seed.Clone();
            switch (random.Next(10))
            {
                case 0 or 1 or 2:
                    // A field of a section header: offset, size, entry size, name, link, type.
                    int header = sectionTable + (random.Next(sections) * 64);
                    int field = new[] { 24, 32, 56, 0, 40, 4 }[random.Next(6)];
                    WriteField(mutant, header + field, field is 0 or 4 or 40 ? 4 : 8, random);
                    break;
                case 3:
                    WriteField(mutant, programTable + (random.Next(segments) * 56) + new[] { 8, 32, 40 }[random.Next(3)], 8, random);
                    break;
                case 4:
                    // The file header's table offsets and counts.
                    int at = new[] { 0x20, 0x28, 0x36, 0x38, 0x3a, 0x3c, 0x3e }[random.Next(7)];
                    WriteField(mutant, at, at >= 0x36 ? 2 : 8, random);
                    break;
                case 5 or 6:
                    // Somewhere in the last third, where the notes and the section headers lie.
                    for (int n = random.Next(1, 5); n > 0; n--)
                    {
                        mutant[random.Next(mutant.Length * 2 / 3, mutant.Length)] = (byte)random.Next(256);
                    }
                    break;
                case 7 or 8:
                    for (int n = random.Next(1, 9); n > 0; n--)
                    {
                        mutant[random.Next(mutant.Length)] = (byte)random.Next(256);
                    }
                    break;
                default:
                    mutant = mutant[..random.Next(mutant.Length)];
                    break;
            }
            yield return mutant;
        }
    }

    private static void WriteField(byte[] bytes, int at, int size, Random random)
    {
        ulong value = random.Next(3) == 0 ? (ulong)random.NextInt64() : Boundaries[random.Next(Boundaries.Length)];
        if (random.Next(4) == 0)
        {
            value = (ulong)bytes.Length + (ulong)random.Next(-64, 64); // around the end of the file
        }
        Span<byte> field = bytes.AsSpan(at, size);
        switch (size)
        {
            case 2: BinaryPrimitives.WriteUInt16LittleEndian(field, (ushort)value); break;
            case 4: BinaryPrimitives.WriteUInt32LittleEndian(field, (uint)value); break;
            default: BinaryPrimitives.WriteUInt64LittleEndian(field, value); break;
        }
    }
}
