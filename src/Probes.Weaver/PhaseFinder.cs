using System.Collections.Generic;
using System.Linq;
using Mono.Cecil;

namespace Probes.Weaver;

public sealed partial class ModuleWeaver
{
    private const string AttributeName = "Probes.ProbePhaseAttribute";

    /// <summary>
    /// Collects the methods to weave: those with [ProbePhase], and the public methods of
    /// classes with [ProbePhase]. Misuse is reported per method; such methods are left out.
    /// </summary>
    private List<PhaseMethod> FindPhaseMethods()
    {
        var phases = new List<PhaseMethod>();
        foreach (TypeDefinition type in ModuleDefinition.GetTypes().ToList())
        {
            CustomAttribute? onType = type.CustomAttributes.FirstOrDefault(a => a.AttributeType.FullName == AttributeName);
            if (onType is not null && !CheckName(onType, type.Name, null))
            {
                continue;
            }
            foreach (MethodDefinition method in type.Methods.ToList())
            {
                CustomAttribute? onMethod = method.CustomAttributes.FirstOrDefault(a => a.AttributeType.FullName == AttributeName);
                string name;
                bool fromClass = onMethod is null;
                if (onMethod is not null)
                {
                    if (!CheckName(onMethod, $"{method.DeclaringType.Name}.{method.Name}", method))
                    {
                        continue;
                    }
                    name = ExplicitName(onMethod) ?? $"{TypeName(type)}.{MethodName(method)}";
                }
                else if (onType is not null && IsPublicOperation(method))
                {
                    name = $"{ExplicitName(onType) ?? TypeName(type)}.{MethodName(method)}";
                }
                else
                {
                    continue;
                }
                PhaseKind? kind = Classify(method, fromClass);
                if (kind is not null)
                {
                    phases.Add(new PhaseMethod(method, name, kind.Value));
                }
            }
        }
        return phases;
    }

    /// <summary>
    /// Sync or async, or null (with the error written) when the method cannot be a phase. A
    /// method covered only by its class's attribute is skipped with a message instead: the
    /// class attribute means "every public method that can be a phase".
    /// </summary>
    private PhaseKind? Classify(MethodDefinition method, bool fromClass)
    {
        string Where() => $"{method.DeclaringType.Name}.{method.Name}";
        if (fromClass && !CanBeWoven(method))
        {
            WriteInfo($"Probes: {Where()} is not a phase of its [ProbePhase] class: iterators and methods returning other task types cannot be.");
            return null;
        }
        if (method.IsAbstract)
        {
            WriteError($"{Where()} is abstract but has [ProbePhase]. Put the attribute on the overriding methods, which have a body.", SourceOf(method));
            return null;
        }
        if (!method.HasBody)
        {
            WriteError($"{Where()} has no body (extern or runtime-implemented) but has [ProbePhase]. Remove the attribute, or wrap the call in a managed method and probe that one.", SourceOf(method));
            return null;
        }
        if (HasAttribute(method, "System.Runtime.CompilerServices.IteratorStateMachineAttribute"))
        {
            WriteError($"{Where()} is an iterator (yield return) and cannot be a [ProbePhase]: the phase would end when the enumerator is created, before any item is produced. Remove the attribute and probe the code that enumerates it, or use Probe.Phase inside the loop.", SourceOf(method));
            return null;
        }
        if (HasAttribute(method, "System.Runtime.CompilerServices.AsyncIteratorStateMachineAttribute"))
        {
            WriteError($"{Where()} is an async iterator (IAsyncEnumerable) and cannot be a [ProbePhase]: the phase would end when the enumerator is created. Remove the attribute and probe the code that enumerates it (await foreach), or use Probe.Phase inside the loop.", SourceOf(method));
            return null;
        }
        if (!HasAttribute(method, "System.Runtime.CompilerServices.AsyncStateMachineAttribute"))
        {
            return !method.IsConstructor && Sdk.LeaveFor(method.ReturnType) is not null ? PhaseKind.TaskReturning : PhaseKind.Sync;
        }
        if (method.ReturnType.MetadataType == MetadataType.Void)
        {
            return PhaseKind.AsyncVoid;
        }
        if (Sdk.LeaveFor(method.ReturnType) is null)
        {
            WriteError($"{Where()} is async and returns {method.ReturnType.Name}; [ProbePhase] supports async methods returning Task, Task<T>, ValueTask or ValueTask<T>. Change the return type or remove the attribute.", SourceOf(method));
            return null;
        }
        return PhaseKind.Async;
    }

    private bool CanBeWoven(MethodDefinition method) =>
        !HasAttribute(method, "System.Runtime.CompilerServices.IteratorStateMachineAttribute")
        && !HasAttribute(method, "System.Runtime.CompilerServices.AsyncIteratorStateMachineAttribute")
        && (!HasAttribute(method, "System.Runtime.CompilerServices.AsyncStateMachineAttribute")
            || method.ReturnType.MetadataType == MetadataType.Void
            || Sdk.LeaveFor(method.ReturnType) is not null);

    private bool CheckName(CustomAttribute attribute, string where, MethodDefinition? method)
    {
        if (attribute.ConstructorArguments.Count == 1 && string.IsNullOrWhiteSpace(ExplicitName(attribute)))
        {
            WriteError($"{where} has [ProbePhase] with an empty name. Give the phase a name, or write [ProbePhase] without one to get TypeName.MethodName.", method is null ? null : SourceOf(method));
            return false;
        }
        return true;
    }

    private static string? ExplicitName(CustomAttribute attribute) =>
        attribute.ConstructorArguments.Count == 1 ? attribute.ConstructorArguments[0].Value as string ?? "" : null;

    // A class-level attribute covers what callers see as the class's operations.
    private static bool IsPublicOperation(MethodDefinition method) =>
        method.IsPublic && !method.IsAbstract && method.HasBody && !method.IsSpecialName && !method.IsConstructor
        && !HasAttribute(method, "System.Runtime.CompilerServices.CompilerGeneratedAttribute");

    private static bool HasAttribute(MethodDefinition method, string fullName) =>
        method.CustomAttributes.Any(a => a.AttributeType.FullName == fullName);

    private static string TypeName(TypeDefinition type)
    {
        int tick = type.Name.IndexOf('`');
        return tick < 0 ? type.Name : type.Name.Substring(0, tick);
    }

    private static string MethodName(MethodDefinition method) =>
        method.IsConstructor ? (method.IsStatic ? "cctor" : "ctor") : method.Name;
}
