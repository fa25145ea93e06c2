using System.Text.RegularExpressions;

namespace Probes.Sdk.Tests;

/// <summary>The built shim carries exactly the ABI v2 probes (v1's three and phase_context), each with a semaphore, as readelf sees them.</summary>
[TestClass]
public sealed partial class ShimNotesTests
{
    [TestMethod]
    public void Readelf_lists_exactly_the_abi_v2_probes_each_with_a_semaphore()
    {
        string readelf = Requirements.Tool("readelf");
        ProcessResult notes = ProcessRunner.Run(readelf, ["-n", SampleProgram.Service.Shim], TimeSpan.FromSeconds(30)).EnsureSuccess("readelf -n");

        var probes = ProbeNote().Matches(notes.Stdout)
            .Select(m => (Provider: m.Groups["provider"].Value, Name: m.Groups["name"].Value, Semaphore: Convert.ToUInt64(m.Groups["semaphore"].Value, 16), Args: m.Groups["args"].Value.Trim()))
            .ToList();

        CollectionAssert.AreEquivalent(new[] { "phase_begin", "phase_end", "mark", "phase_context" }, probes.Select(p => p.Name).ToList(), notes.Stdout);
        Assert.IsTrue(probes.All(p => p.Provider == "probes"), notes.Stdout);
        Assert.IsTrue(probes.All(p => p.Semaphore != 0), "a probe has no semaphore:\n" + notes.Stdout);
        Assert.AreEqual(4, probes.Select(p => p.Semaphore).Distinct().Count(), "probes share a semaphore");
        // Argument widths and signedness are the ABI: u32 id, pointer, u64 span, then u64 parent / i32 status / i64 value.
        StringAssert.Matches(probes.Single(p => p.Name == "phase_begin").Args, ArgShape("4", "8", "8", "8"));
        StringAssert.Matches(probes.Single(p => p.Name == "phase_end").Args, ArgShape("4", "8", "8", "-4"));
        StringAssert.Matches(probes.Single(p => p.Name == "mark").Args, ArgShape("4", "8", "-8"));
        // v2: u64 span, u64 trace id high and low halves, u64 activity span.
        StringAssert.Matches(probes.Single(p => p.Name == "phase_context").Args, ArgShape("8", "8", "8", "8"));
    }

    private static Regex ArgShape(params string[] sizes) =>
        new("^" + string.Join(" ", sizes.Select(size => Regex.Escape(size) + "@\\S+")) + "$");

    [GeneratedRegex(@"Provider: (?<provider>\S+)\s+Name: (?<name>\S+)\s+Location: 0x[0-9a-f]+, Base: 0x[0-9a-f]+, Semaphore: 0x(?<semaphore>[0-9a-f]+)\s+Arguments: (?<args>[^\n]*)")]
    private static partial Regex ProbeNote();
}
