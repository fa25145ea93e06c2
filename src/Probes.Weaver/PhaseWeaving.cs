using System;
using System.Collections.Generic;
using Fody;

namespace Probes.Weaver;

public sealed partial class ModuleWeaver
{
    /// <summary>One processor per method kind; a failure inside one names the method.</summary>
    private void WeavePhases(List<PhaseMethod> phases)
    {
        foreach (PhaseMethod phase in phases)
        {
            try
            {
                if (phase.Kind == PhaseKind.Async)
                {
                    new AsyncMethodProcessor(Sdk, phase).Process();
                }
                else if (phase.Kind == PhaseKind.AsyncVoid)
                {
                    new AsyncVoidMethodProcessor(Sdk, phase).Process();
                }
                else
                {
                    new SyncMethodProcessor(Sdk, ModuleDefinition.TypeSystem.Int32, phase).Process();
                }
                WriteDebug($"Probes: {phase.Method.FullName} is phase '{phase.Name}' (0x{phase.Id:x8}, {phase.Kind}).");
            }
            catch (Exception e) when (e is not WeavingException)
            {
                throw new WeavingException($"Probes could not weave {phase.Method.FullName}: {e.Message}");
            }
        }
    }
}
