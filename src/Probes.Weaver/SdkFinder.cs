using System.Linq;
using Fody;
using Mono.Cecil;

namespace Probes.Weaver;

public sealed partial class ModuleWeaver
{
    private SdkReferences? _sdk;

    internal SdkReferences Sdk => _sdk ?? throw new WeavingException("Probes.Sdk references were used before they were found.");

    /// <summary>
    /// Finds Probes.Sdk among the module's references. Without it no method can carry
    /// [ProbePhase], so there is nothing to weave and that is not an error.
    /// </summary>
    private bool TryFindSdk()
    {
        AssemblyNameReference? reference = ModuleDefinition.AssemblyReferences.FirstOrDefault(a => a.Name == "Probes.Sdk");
        if (reference is null)
        {
            WriteInfo($"{ModuleDefinition.Name} does not reference Probes.Sdk: nothing to weave.");
            return false;
        }
        AssemblyDefinition sdk = ModuleDefinition.AssemblyResolver.Resolve(reference)
            ?? throw new WeavingException($"Probes.Sdk ({reference.FullName}) is referenced by {ModuleDefinition.Name} but could not be resolved.");
        _sdk = new SdkReferences(ModuleDefinition, sdk.MainModule);
        return true;
    }
}
