using System.Linq;
using Mono.Cecil;

namespace Probes.Weaver;

/// <summary>
/// The members of Probes.Sdk that woven code calls, imported into the module being woven.
/// Found once per module; the processors get them ready to emit.
/// </summary>
internal sealed class SdkReferences
{
    public SdkReferences(ModuleDefinition module, ModuleDefinition sdk)
    {
        TypeDefinition probe = sdk.GetType("Probes.Probe");
        TypeDefinition scope = sdk.GetType("Probes.PhaseScope");
        TypeDefinition woven = sdk.GetType("Probes.Weaving.WovenPhase");

        TypeDefinition name = sdk.GetType("Probes.ProbeName");
        IsEnabled = module.ImportReference(probe.Methods.Single(m => m.Name == "get_IsEnabled"));
        PhaseBeginWithName = module.ImportReference(probe.Methods.Single(m => m.Name == "Phase" && m.Parameters[0].ParameterType.FullName == "Probes.ProbeName"));
        ProbeName = module.ImportReference(name);
        ProbeNameGet = module.ImportReference(name.Methods.Single(m => m.Name == "Get"));
        PhaseScope = module.ImportReference(scope);
        ScopeEnd = module.ImportReference(scope.Methods.Single(m => m.Name == "End"));
        ScopeIsRecording = module.ImportReference(scope.Methods.Single(m => m.Name == "get_IsRecording"));
        StatusOf = module.ImportReference(woven.Methods.Single(m => m.Name == "StatusOf" && m.IsPublic));
        LeaveCaller = module.ImportReference(woven.Methods.Single(m => m.Name == "LeaveCaller"));
        Fault = module.ImportReference(woven.Methods.Single(m => m.Name == "Fault"));
        _leaves = woven.Methods.Where(m => m.Name == "Leave").ToArray();
        _module = module;
    }

    private readonly MethodDefinition[] _leaves;
    private readonly ModuleDefinition _module;

    /// <summary><c>bool Probe.IsEnabled</c>: inlined to the semaphore read.</summary>
    public MethodReference IsEnabled { get; }

    /// <summary><c>PhaseScope Probe.Phase(ProbeName)</c>: the begin with a name prepared once.</summary>
    public MethodReference PhaseBeginWithName { get; }

    public TypeReference ProbeName { get; }

    /// <summary><c>ProbeName ProbeName.Get(string)</c>: interns the name (once per phase and process).</summary>
    public MethodReference ProbeNameGet { get; }

    public TypeReference PhaseScope { get; }

    /// <summary><c>void PhaseScope.End(PhaseStatus)</c>: a no-op for a scope whose begin did not fire.</summary>
    public MethodReference ScopeEnd { get; }

    public MethodReference ScopeIsRecording { get; }

    /// <summary><c>int WovenPhase.StatusOf(object exception)</c>, for the exception filter.</summary>
    public MethodReference StatusOf { get; }

    /// <summary><c>void WovenPhase.LeaveCaller(PhaseScope)</c>, for async void stubs.</summary>
    public MethodReference LeaveCaller { get; }

    /// <summary><c>void WovenPhase.Fault(object exception, PhaseScope)</c>, for async void state machines.</summary>
    public MethodReference Fault { get; }

    /// <summary>
    /// <c>WovenPhase.Leave</c> for an async stub's return type (Task, Task&lt;T&gt;, ValueTask,
    /// ValueTask&lt;T&gt;), or null when the type is none of them.
    /// </summary>
    public MethodReference? LeaveFor(TypeReference returnType)
    {
        string wanted = returnType.GetElementType().FullName;
        MethodDefinition? leave = _leaves.FirstOrDefault(m => m.Parameters[0].ParameterType.GetElementType().FullName == wanted);
        if (leave is null)
        {
            return null;
        }
        MethodReference imported = _module.ImportReference(leave);
        if (returnType is GenericInstanceType generic)
        {
            var instance = new GenericInstanceMethod(imported);
            instance.GenericArguments.Add(generic.GenericArguments[0]);
            return instance;
        }
        return imported;
    }
}
