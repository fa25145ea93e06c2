using System.Collections.Generic;
using Fody;

namespace Probes.Weaver;

/// <summary>
/// Turns every <c>[ProbePhase]</c> method of the module into one probe phase. Each step is a
/// partial of this class in its own file; user mistakes go to <c>WriteError</c> pointing at
/// the method, and the build fails on them without stopping the other methods' checks.
/// </summary>
public sealed partial class ModuleWeaver : BaseModuleWeaver
{
    public override void Execute()
    {
        if (!TryFindSdk())
        {
            return;
        }
        List<PhaseMethod> phases = FindPhaseMethods();
        AddPhaseNameFields(phases);
        WeavePhases(phases);
        WriteManifest(phases);
    }

    // Task and friends are reached through the SDK's own signatures, so no scanning is needed.
    public override IEnumerable<string> GetAssembliesForScanning() => new[] { "netstandard", "mscorlib", "System.Runtime" };

    // The woven code calls into Probes.Sdk at run time: the reference must stay.
    public override bool ShouldCleanReference => false;
}
