using System.Collections.Generic;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Probes.Weaver;

/// <summary>
/// The begin of a woven phase, the same for every method kind:
/// <code>
/// scope = default;
/// if (Probe.IsEnabled)                                   // the semaphore read and a branch
///     scope = Probe.Phase(PhaseNames.Pn ??= ProbeName.Get("Name"));
/// </code>
/// Nothing but the test runs while no tracer is attached: no call, no static field, no string.
/// </summary>
internal static class PhaseBeginEmitter
{
    public static List<Instruction> Emit(SdkReferences sdk, PhaseMethod phase, VariableDefinition scope)
    {
        Instruction skip = Instruction.Create(OpCodes.Nop);
        Instruction have = Instruction.Create(OpCodes.Call, sdk.PhaseBeginWithName);
        FieldReference field = phase.NameField ?? throw new Fody.WeavingException($"{phase.Method.FullName}: no name field was prepared.");
        return
        [
            Instruction.Create(OpCodes.Ldloca, scope),
            Instruction.Create(OpCodes.Initobj, sdk.PhaseScope),
            Instruction.Create(OpCodes.Call, sdk.IsEnabled),
            Instruction.Create(OpCodes.Brfalse, skip),
            Instruction.Create(OpCodes.Ldsfld, field),
            Instruction.Create(OpCodes.Dup),
            Instruction.Create(OpCodes.Brtrue, have),
            Instruction.Create(OpCodes.Pop),
            Instruction.Create(OpCodes.Ldstr, phase.Name),
            Instruction.Create(OpCodes.Call, sdk.ProbeNameGet),
            Instruction.Create(OpCodes.Dup),
            Instruction.Create(OpCodes.Stsfld, field),
            have,
            Instruction.Create(OpCodes.Stloc, scope),
            skip,
        ];
    }
}
