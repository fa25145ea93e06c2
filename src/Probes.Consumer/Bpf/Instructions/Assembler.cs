namespace Probes.Consumer.Bpf.Instructions;

/// <summary>
/// Turns instructions into the bytes BPF_PROG_LOAD takes. Labels are resolved here, once:
/// a jump's offset is the number of 8-byte slots between the instruction after it and its
/// target (ld_imm64 counts as two).
/// </summary>
public static class Assembler
{
    public static byte[] Marshal(IReadOnlyList<Instruction> instructions)
    {
        var labels = new Dictionary<string, int>(StringComparer.Ordinal);
        int slot = 0;
        var slots = new int[instructions.Count];
        for (int i = 0; i < instructions.Count; i++)
        {
            Instruction instruction = instructions[i];
            slots[i] = slot;
            if (instruction.Label is { } label && !labels.TryAdd(label, slot))
            {
                throw new BpfAssemblyException($"label '{label}' is defined twice (instructions {IndexOf(instructions, label)} and {i})");
            }
            slot += instruction.Slots;
        }

        var bytes = new byte[slot * 8];
        for (int i = 0; i < instructions.Count; i++)
        {
            Instruction instruction = instructions[i];
            short offset = instruction.Offset;
            if (instruction.Target is { } target)
            {
                if (!instruction.OpCode.IsJump)
                {
                    throw new BpfAssemblyException($"instruction {i} ({instruction}) names a target but is not a jump");
                }
                if (!labels.TryGetValue(target, out int targetSlot))
                {
                    throw new BpfAssemblyException($"instruction {i} jumps to unknown label '{target}'");
                }
                int relative = targetSlot - (slots[i] + 1);
                if (relative is < short.MinValue or > short.MaxValue)
                {
                    throw new BpfAssemblyException($"jump from instruction {i} to '{target}' is out of range ({relative} slots)");
                }
                offset = (short)relative;
            }
            instruction.Encode(bytes.AsSpan(slots[i] * 8), offset);
        }
        return bytes;
    }

    private static int IndexOf(IReadOnlyList<Instruction> instructions, string label)
    {
        for (int i = 0; i < instructions.Count; i++)
        {
            if (instructions[i].Label == label)
            {
                return i;
            }
        }
        return -1;
    }
}
