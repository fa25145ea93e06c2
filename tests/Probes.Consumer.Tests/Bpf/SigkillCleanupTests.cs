using System.Globalization;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Uprobes;

namespace Probes.Consumer.Tests.Bpf;

/// <summary>
/// The kernel must undo everything when the tracing process dies without running any of our
/// code. The tracer here is a child process (an F# script run by the SDK's <c>dotnet fsi</c>,
/// the only way to host our assembly in a separate process without a CLI verb) that attaches
/// through <see cref="UsdtSession"/> and is then killed with SIGKILL.
/// </summary>
[TestClass]
[TestCategory("Kernel")]
public sealed class SigkillCleanupTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [TestMethod]
    public void Sigkilled_tracer_leaves_semaphores_at_zero_and_nothing_in_tracefs()
    {
        Requirements.Root();
        Requirements.Tool("gcc");
        string dotnet = Requirements.Tool("dotnet");
        FixtureBinary binary = FixtureBinary.Build("O2");
        FixtureProbe probe = binary.Probe("scalars");
        var (_, target) = binary.Target(probe);

        using var traced = new LiveProcess(binary.Path, ["100000", "5000"]);
        traced.WaitForStdout("ready", Timeout);
        string? uprobeEventsBefore = ReadUprobeEvents();
        Assert.AreEqual(0, binary.ReadSemaphore(traced.Pid, probe.Semaphore));

        string script = Path.Combine(Directory.CreateTempSubdirectory("probes-sigkill-").FullName, "tracer.fsx");
        File.WriteAllText(script, $$"""
            #r @"{{typeof(UsdtSession).Assembly.Location}}"
            open {{typeof(UsdtSession).Namespace}}
            open {{typeof(UsdtProgramSpec).Namespace}}
            open {{typeof(UprobeTarget).Namespace}}
            let session = UsdtSession.Create(UsdtSessionOptions())
            let target = UprobeTarget(@"{{target.Path}}", {{target.FileOffset}}UL, System.Nullable<uint64>({{target.SemaphoreFileOffset}}UL), System.Nullable<int>())
            session.AddSite(UsdtProgramSpec(1u, [||], [||]), [| target |]) |> ignore
            session.Start()
            let mutable n = 0
            session.Poll((fun _ -> n <- n + 1), 2000) |> ignore
            printfn "attached %d" n
            System.Threading.Thread.Sleep(System.Threading.Timeout.Infinite)
            """);
        using var tracer = new LiveProcess(dotnet, ["fsi", "--quiet", script]);
        try
        {
            string attached = tracer.WaitForStdout("attached", Timeout);
            Console.WriteLine($"tracer said '{attached}'");
            Assert.AreEqual(1, binary.ReadSemaphore(traced.Pid, probe.Semaphore), "semaphore while the tracer is attached");
            Assert.AreNotEqual("attached 0", attached, "the tracer saw events");
        }
        finally
        {
            // SIGKILL to the muxer and the fsi process it started: no finalizer, Dispose or exit handler runs.
            int[] tree = Descendants(tracer.Pid).Append(tracer.Pid).ToArray();
            tracer.Kill();
            // The kill waits for the muxer only; the kernel closes a process's descriptors before it becomes a zombie.
            foreach (int pid in tree)
            {
                Wait.Until(() => IsDeadOrZombie(pid), Timeout, $"process {pid} is gone or a zombie after SIGKILL");
            }
        }

        Assert.AreEqual(0, binary.ReadSemaphore(traced.Pid, probe.Semaphore), "semaphore after SIGKILL of the tracer");
        Assert.AreEqual(uprobeEventsBefore, ReadUprobeEvents(), "tracefs uprobe_events unchanged");
        Assert.IsFalse(traced.HasExited, "the traced process keeps running");
    }

    private static IEnumerable<int> Descendants(int pid)
    {
        string path = $"/proc/{pid}/task/{pid}/children";
        string children = File.Exists(path) ? File.ReadAllText(path) : "";
        foreach (string child in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int childPid = int.Parse(child, CultureInfo.InvariantCulture);
            foreach (int descendant in Descendants(childPid))
            {
                yield return descendant;
            }
            yield return childPid;
        }
    }

    private static bool IsDeadOrZombie(int pid)
    {
        string status;
        try
        {
            status = File.ReadAllText($"/proc/{pid}/status");
        }
        catch (IOException)
        {
            return true; // reaped
        }
        return status.Contains("State:\tZ", StringComparison.Ordinal) || status.Contains("State:\tX", StringComparison.Ordinal);
    }

    private static string? ReadUprobeEvents() =>
        File.Exists("/sys/kernel/tracing/uprobe_events") ? File.ReadAllText("/sys/kernel/tracing/uprobe_events") : null;
}
