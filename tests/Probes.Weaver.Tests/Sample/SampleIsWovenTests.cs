using Mono.Cecil;
using Mono.Cecil.Cil;
using Probes.Consumer.Manifest;

namespace Probes.Weaver.Tests.Sample;

/// <summary>
/// Fails when the sample's build succeeded without weaving (Fody not finding the in-solution
/// weaver prints a message and carries on): the woven IL and the manifest must be there.
/// </summary>
[TestClass]
public sealed class SampleIsWovenTests
{
    [TestMethod]
    public void The_sample_build_carries_a_manifest_of_its_attribute_phases()
    {
        PhaseManifest? manifest = PhaseManifestReader.Read(WovenSample.Dll);
        Assert.IsNotNull(manifest, $"{WovenSample.Dll} has no phase manifest: Fody did not run the Probes weaver");
        CollectionAssert.AreEquivalent(WovenSample.AttributePhases.Append(WovenSample.LoadPhase).ToArray(), manifest.Phases.Select(p => p.Name).ToArray());
        foreach (PhaseEntry phase in manifest.Phases)
        {
            Assert.AreEqual(PhaseId.Of(phase.Name), phase.Id);
            StringAssert.EndsWith(phase.File, phase.Name == WovenSample.LoadPhase ? "LoadGenerator.cs" : "SampleService.cs", $"{phase.Name} has no source location");
        }
    }

    [TestMethod]
    public void The_sample_methods_contain_the_woven_probe_calls()
    {
        using AssemblyDefinition sample = AssemblyDefinition.ReadAssembly(WovenSample.Dll);
        TypeDefinition service = sample.MainModule.GetType("Probes.Sample.SampleService");

        MethodDefinition loadConfig = service.Methods.Single(m => m.Name == "LoadConfig");
        Assert.IsTrue(Calls(loadConfig, "Probes.Probe::Phase"), "LoadConfig does not begin a phase");
        Assert.IsTrue(loadConfig.Body.ExceptionHandlers.Any(h => h.HandlerType == ExceptionHandlerType.Filter), "LoadConfig has no woven fault filter");
        Assert.IsTrue(Calls(loadConfig, "Probes.PhaseScope::End"), "LoadConfig does not end its phase");

        MethodDefinition query = service.Methods.Single(m => m.Name == "QueryAsync");
        Assert.IsTrue(Calls(query, "Probes.Probe::Phase"), "the QueryAsync stub does not begin a phase");
        Assert.IsTrue(Calls(query, "Probes.Weaving.WovenPhase::Leave"), "the QueryAsync stub does not hand its task to WovenPhase.Leave");
    }

    private static bool Calls(MethodDefinition method, string member) =>
        method.Body.Instructions.Any(i => i.OpCode == OpCodes.Call && i.Operand is MethodReference callee
            && $"{callee.DeclaringType.FullName}::{callee.Name}" == member);
}
