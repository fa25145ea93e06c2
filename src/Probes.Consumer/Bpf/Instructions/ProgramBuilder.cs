namespace Probes.Consumer.Bpf.Instructions;

/// <summary>
/// Collects instructions; <see cref="Label"/> names the next emitted instruction, so
/// generators write labels where they would in assembly.
/// </summary>
public sealed class ProgramBuilder
{
    private readonly List<Instruction> _instructions = [];
    private string? _pendingLabel;

    public IReadOnlyList<Instruction> Instructions
    {
        get
        {
            if (_pendingLabel is not null)
            {
                throw new BpfAssemblyException($"label '{_pendingLabel}' is not followed by an instruction");
            }
            return _instructions;
        }
    }

    public ProgramBuilder Emit(Instruction instruction)
    {
        if (_pendingLabel is not null)
        {
            if (instruction.Label is not null)
            {
                throw new BpfAssemblyException($"instruction {instruction} already has label '{instruction.Label}', cannot also be '{_pendingLabel}'");
            }
            instruction = instruction.WithLabel(_pendingLabel);
            _pendingLabel = null;
        }
        _instructions.Add(instruction);
        return this;
    }

    public ProgramBuilder Emit(params ReadOnlySpan<Instruction> instructions)
    {
        foreach (Instruction instruction in instructions)
        {
            Emit(instruction);
        }
        return this;
    }

    public ProgramBuilder Label(string name)
    {
        if (_pendingLabel is not null)
        {
            throw new BpfAssemblyException($"two labels ('{_pendingLabel}', '{name}') on one instruction");
        }
        _pendingLabel = name;
        return this;
    }

    public byte[] Marshal() => Assembler.Marshal(Instructions);
}
