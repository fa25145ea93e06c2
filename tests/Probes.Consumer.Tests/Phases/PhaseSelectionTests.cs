using Probes.Consumer.Phases;
using Probes.Consumer.Targets.Processes;
using Probes.Consumer.Tracing.Resolution;

namespace Probes.Consumer.Tests.Phases;

/// <summary><c>--phase GLOB</c>, <c>-n/--name</c> and the bounded command line <c>probes ps</c> shows.</summary>
[TestClass]
public sealed class PhaseSelectionTests
{
    private static PhaseRow Row(string name) => new("", name, 1, 1, 10, 10, 10, 10, 10, 10, 0, 0);

    [TestMethod]
    public void Globs_select_rows_and_unfinished_phases_and_none_selects_all()
    {
        var report = new PhaseReport([Row("WarmCaches"), Row("WarmCaches.Fetch"), Row("Query")], 5,
            [new UnfinishedPhase("", 1, 1, 1, "Query", 1, 0, 0), new UnfinishedPhase("", 1, 1, 1, "WarmCaches", 2, 0, 0)], 0, new Dictionary<string, string>());

        PhaseReport selected = new PhaseSelection(["WarmCaches*", "Nothing?"]).Apply(report);

        CollectionAssert.AreEqual(new[] { "WarmCaches", "WarmCaches.Fetch" }, selected.Rows.Select(r => r.Name).ToArray());
        Assert.AreEqual("WarmCaches", selected.Unfinished.Single().Name);
        Assert.AreEqual(5, selected.Lost, "what could not be counted stays whole");
        Assert.AreSame(report, PhaseSelection.All.Apply(report));
        Assert.IsFalse(new PhaseSelection(["warmcaches"]).Selects("WarmCaches"), "case-sensitive");
        Assert.IsTrue(new PhaseSelection(["Warm?aches"]).Selects("WarmCaches"));
    }

    [TestMethod]
    public void A_tree_keeps_the_parents_on_the_way_to_a_selected_phase_and_drops_the_rest()
    {
        PhaseTree tree = PhaseTreeBuilder.Build(PhaseTreeTests.Startup(), [], false, selects: new PhaseSelection(["*.Fetch"]).Selects);

        PhaseTreeNode startup = tree.Containers.Single().Roots.Single();
        Assert.AreEqual("WarmCaches", startup.Children.Single().Name, "LoadConfig and ConnectDatabase are dropped");
        Assert.AreEqual("WarmCaches.Fetch", startup.Children.Single().Children.Single().Name);
        Assert.AreEqual(1.1, startup.SelfNs / 1e6, 1e-6, "self time still counts every child");
        Assert.AreEqual(0, PhaseTreeBuilder.Build(PhaseTreeTests.Startup(), [], false, selects: _ => false).Containers.Count);
    }

    [TestMethod]
    [DataRow("dotnet", "dotnet /app/Probes.Sample.dll --requests 2", "Probes.Sample", true)]
    [DataRow("dotnet", "dotnet /app/Probes.Sample.dll", "Probes.*", true)]
    [DataRow("dotnet", "dotnet /app/Probes.Sample.dll", "dotnet", true)]
    [DataRow("MyService", "/srv/bin/MyService --port 80", "MyService", true)]
    [DataRow(".NET TP Worker", "/srv/bin/web-api", "web-*", true)]
    [DataRow("dotnet", "dotnet /app/Probes.Sample.dll", "Sample", false)]
    [DataRow("dotnet", "dotnet /app/Probes.Sample.dll", "probes.sample", false)]
    [DataRow(null, null, "*", false)]
    public void A_process_answers_to_its_comm_its_program_and_the_dll_it_runs(string? comm, string? commandLine, string glob, bool matches) =>
        Assert.AreEqual(matches, ProcessNames.Matches(glob, comm, commandLine));

    [TestMethod]
    public void The_command_line_is_read_bounded_with_its_arguments_joined()
    {
        string proc = Directory.CreateTempSubdirectory("probes-proc-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(proc, "7"));
            File.WriteAllBytes(Path.Combine(proc, "7", "cmdline"), "dotnet\0app.dll\0--x\0"u8.ToArray());
            Directory.CreateDirectory(Path.Combine(proc, "8"));
            File.WriteAllText(Path.Combine(proc, "8", "cmdline"), new string('a', 10_000));

            Assert.AreEqual("dotnet app.dll --x", ProcessCommandLine.Read(7, proc));
            Assert.AreEqual(new string('a', 100) + "…", ProcessCommandLine.Read(8, proc, maxBytes: 100));
            Assert.AreEqual(ProcessCommandLine.MaxBytes + 1, ProcessCommandLine.Read(8, proc)!.Length);
            Assert.IsNull(ProcessCommandLine.Read(9, proc), "gone");
        }
        finally
        {
            Directory.Delete(proc, recursive: true);
        }
    }
}
