using System.Collections.Generic;
using Mono.Cecil;

namespace Probes.Weaver;

public sealed partial class ModuleWeaver
{
    /// <summary>The generated holder of one ProbeName field per phase name.</summary>
    public const string NamesTypeName = "<Probes>PhaseNames";

    /// <summary>
    /// Gives every phase a static ProbeName field, filled on the first enabled call, so the
    /// enabled path skips the name lookup (Probe.Phase(string) hashes the string each time)
    /// and the disabled path never touches it. No static constructor: nothing runs until a
    /// tracer is attached.
    /// </summary>
    private void AddPhaseNameFields(List<PhaseMethod> phases)
    {
        if (phases.Count == 0)
        {
            return;
        }
        var holder = new TypeDefinition("", NamesTypeName,
            TypeAttributes.NotPublic | TypeAttributes.Abstract | TypeAttributes.Sealed | TypeAttributes.Class | TypeAttributes.BeforeFieldInit,
            ModuleDefinition.TypeSystem.Object);
        ModuleDefinition.Types.Add(holder);
        var byName = new Dictionary<string, FieldDefinition>();
        foreach (PhaseMethod phase in phases)
        {
            if (!byName.TryGetValue(phase.Name, out FieldDefinition? field))
            {
                field = new FieldDefinition($"P{byName.Count}", FieldAttributes.Assembly | FieldAttributes.Static, Sdk.ProbeName);
                holder.Fields.Add(field);
                byName.Add(phase.Name, field);
            }
            phase.NameField = field;
        }
    }
}
