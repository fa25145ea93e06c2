using System.Linq;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Probes.Weaver;

public sealed partial class ModuleWeaver
{
    /// <summary>
    /// The first visible sequence point of a method, for errors and the manifest. An async
    /// method's code (and so its sequence points) lives in its state machine's MoveNext.
    /// </summary>
    internal static SequencePoint? SourceOf(MethodDefinition method)
    {
        SequencePoint? point = FirstVisible(method);
        if (point is not null)
        {
            return point;
        }
        CustomAttribute? stateMachine = method.CustomAttributes.FirstOrDefault(a =>
            a.AttributeType.Namespace == "System.Runtime.CompilerServices" && a.AttributeType.Name.EndsWith("StateMachineAttribute", System.StringComparison.Ordinal));
        MethodDefinition? moveNext = (stateMachine?.ConstructorArguments[0].Value as TypeReference)?.Resolve()?.Methods.FirstOrDefault(m => m.Name == "MoveNext");
        return moveNext is null ? null : FirstVisible(moveNext);
    }

    private static SequencePoint? FirstVisible(MethodDefinition method) =>
        method.DebugInformation.HasSequencePoints ? method.DebugInformation.SequencePoints.FirstOrDefault(p => !p.IsHidden) : null;
}
