using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

public sealed partial class PhasesContainerTests
{
    /// <summary>
    /// The accuracy test of <see cref="Every_phase_instance_agrees_with_the_containers_own_stopwatch"/>
    /// with the phases paired in the kernel: no timeline there, but <c>--slow 1ns</c> makes the
    /// program send every end with the duration it measured, and the JSON report lists each
    /// instance with its wall-clock start (one fixed offset from CLOCK_MONOTONIC, so the same
    /// origin-matching applies). The bar is the same: within 5% or 100 µs, plus GC pauses.
    /// </summary>
    [TestMethod]
    public void Every_phase_instance_agrees_with_the_containers_own_stopwatch_when_paired_in_the_kernel()
    {
        string podman = Requirements.RootWithPodman();
        string image = SampleImage.Build();
        string[] names = [$"probes-kacc-a-{Environment.ProcessId}", $"probes-kacc-b-{Environment.ProcessId}"];
        string report = Path.Combine(TestPaths.ScratchDirectory, "accuracy.kernel.json");
        try
        {
            using LiveProcess tracer = TraceContainersOfImage(podman, image, names, ["--slow", "1ns", "--format", "json", "--output", report], oneAtATime: true);

            using JsonDocument json = JsonDocument.Parse(File.ReadAllText(report));
            Assert.AreEqual("kernel", json.RootElement.GetProperty("pairing").GetString());
            JsonElement slow = json.RootElement.GetProperty("slow");
            var traced = slow.GetProperty("instances").EnumerateArray()
                .Select(i => (Container: i.GetProperty("container").GetString()!, Name: i.GetProperty("name").GetString()!,
                    Start: (DateTimeOffset.Parse(i.GetProperty("started_at").GetString()!, CultureInfo.InvariantCulture) - DateTimeOffset.UnixEpoch).Ticks * 100,
                    Ns: (long)i.GetProperty("duration_ns").GetUInt64()))
                .GroupBy(i => (i.Container, i.Name))
                .ToDictionary(g => g.Key, g => g.ToList());
            Assert.AreEqual(slow.GetProperty("count").GetInt64(), traced.Values.Sum(g => g.Count), "every instance is listed (fewer than the kept 1,000)");

            var measured = new List<(string Container, string Label, string Phase, long Ns, long Pause, long Start, long Stop)>();
            foreach (string name in names)
            {
                string logs = ProcessRunner.Run(podman, ["logs", name], Timeout).EnsureSuccess("podman logs").Stdout;
                foreach (IGrouping<string, Match> phase in SelfReport().Matches(logs).GroupBy(m => m.Groups["phase"].Value))
                {
                    Assert.IsTrue(traced.TryGetValue((name, phase.Key), out var instances), $"{name}: no {phase.Key} in the report");
                    Assert.AreEqual(phase.Count(), instances!.Count, $"{name}: {phase.Key} instances, own vs traced");
                    measured.AddRange(phase.Select(instance =>
                    {
                        long Number(string group) => long.Parse(instance.Groups[group].Value, CultureInfo.InvariantCulture);
                        return (name, $"{name} {phase.Key} #{Number("seq")}", phase.Key, Number("ns"), Number("pause") + Number("jit"), Number("start"), Number("stop"));
                    }));
                }
            }
            // The wall-clock starts are CLOCK_MONOTONIC plus one offset: the phases that run once place it.
            var once = measured.Where(m => traced[(m.Container, m.Phase)].Count == 1).Select(m => m.Start - traced[(m.Container, m.Phase)][0].Start).Order().ToList();
            Assert.IsTrue(once.Count >= 2, "the phases that run once per process place the origin");
            long origin = once[once.Count / 2];
            var compared = new List<Instance>();
            foreach (var group in measured.GroupBy(m => (m.Container, m.Phase)))
            {
                var unmatched = traced[group.Key].ToList();
                foreach (var m in group.OrderBy(m => m.Start))
                {
                    var slice = unmatched.MinBy(s => Math.Abs(origin + s.Start - m.Start) + Math.Abs(origin + s.Start + s.Ns - m.Stop));
                    unmatched.Remove(slice);
                    compared.Add(new Instance(m.Label, m.Ns, m.Pause, m.Start, m.Stop, slice.Start, slice.Ns));
                }
            }
            foreach (Instance instance in compared)
            {
                Assert.IsTrue(instance.Difference <= Math.Max(100_000, instance.OwnNs / 20) + instance.PauseNs,
                    $"{instance.Label}: traced {instance.TracedNs} ns, own {instance.OwnNs} ns, GC pauses and compilation during it {instance.PauseNs} ns; {instance.Placement(origin)}");
            }
            Instance worst = compared.MaxBy(i => (double)Math.Max(0, i.Difference - i.PauseNs) / i.OwnNs)!;
            Console.WriteLine($"compared {compared.Count} phase instances; worst: {worst.Label}: traced {worst.TracedNs} ns, own {worst.OwnNs} ns; {worst.Placement(origin)}");
            Assert.IsTrue(compared.Count >= 2 * (7 + 3 * Requests), $"only {compared.Count} phase instances were self-reported");
        }
        finally
        {
            ProcessRunner.Run(podman, ["rm", "--force", "--ignore", "-t", "0", .. names], Timeout);
        }
    }
}
