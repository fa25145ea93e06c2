using System.Globalization;
using System.Text.Json;
using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Cli;

/// <summary>Our own probes from the sample service, as a host process and inside a podman container.</summary>
[TestClass]
[TestCategory("Cli")]
[DoNotParallelize]
public sealed class TraceShimTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [TestMethod]
    [TestCategory("Kernel")]
    public void Sample_phases_as_a_process_with_names_decoded_and_pids_of_the_root_namespace()
    {
        Requirements.Root();
        using LiveProcess sample = SampleService.Start("--wait-for-tracer", "60", "--requests", "3", "--interval-ms", "1");
        using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["trace", "--pid", $"{sample.Pid}", "--json"]);
        tracer.WaitForExit(Timeout); // ends by itself when the sample exits
        Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));
        StringAssert.Contains(tracer.Stderr[^1], $"(process {sample.Pid} exited)");

        List<JsonElement> events = tracer.Stdout.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.IsTrue(events.All(e => e.GetProperty("pid").GetInt32() == sample.Pid && e.GetProperty("ns_pid").GetInt32() == sample.Pid));
        Assert.IsTrue(events.All(e => e.GetProperty("container").ValueKind == JsonValueKind.Null));
        List<string> begun = Names(events, "probes:phase_begin");
        CollectionAssert.IsSubsetOf(new[] { "Startup", "LoadConfig", "WarmCaches", "HandleRequest", "Query" }, begun);
        CollectionAssert.AreEquivalent(begun, Names(events, "probes:phase_end"), "every begin has its end");
        Assert.AreEqual(3, Names(events, "probes:mark").Count(name => name == "RequestsServed"));
    }

    [TestMethod]
    [TestCategory("Container")]
    public void Sample_in_a_container_is_attributed_to_it_with_host_and_namespace_pids()
    {
        string podman = Requirements.RootWithPodman();
        string image = SampleImage.Build();
        string name = $"probes-trace-{Guid.NewGuid():N}"[..24];
        try
        {
            ProcessRunner.Run(podman, ["--runtime", "runc", "run", "-d", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                "--name", name, image, "--wait-for-tracer", "60", "--requests", "3", "--interval-ms", "1"], Timeout).EnsureSuccess("podman run");
            int hostPid = int.Parse(ProcessRunner.Run(podman, ["inspect", "-f", "{{.State.Pid}}", name], Timeout).EnsureSuccess("podman inspect").Stdout.Trim(), CultureInfo.InvariantCulture);

            using var tracer = new LiveProcess(TestPaths.ProbesExecutable, ["trace", "--container", name, "--json"]);
            tracer.WaitForStderr("attached", Timeout);
            ProcessRunner.Run(podman, ["wait", name], Timeout).EnsureSuccess("podman wait");
            Wait.Until(() => tracer.Stdout.Any(line => line.Contains("RequestsServed", StringComparison.Ordinal) && line.Contains(",3]", StringComparison.Ordinal)), Timeout, "the last mark arrived");
            // The container has no process left: the tracer stops by itself ("container ... removed"),
            // within a watch interval. A signal could land after its handler is gone and kill it (130).
            tracer.WaitForExit(Timeout);
            Assert.AreEqual(0, tracer.ExitCode, string.Join('\n', tracer.Stderr));

            List<JsonElement> events = tracer.Stdout.Select(line => JsonDocument.Parse(line).RootElement).ToList();
            Assert.IsTrue(events.Count > 0);
            foreach (JsonElement e in events)
            {
                Assert.AreEqual(hostPid, e.GetProperty("pid").GetInt32(), "host pid");
                Assert.AreEqual(1, e.GetProperty("ns_pid").GetInt32(), "pid inside the container");
                Assert.AreEqual(name, e.GetProperty("container_name").GetString());
                Assert.AreEqual(64, e.GetProperty("container").GetString()!.Length);
                Assert.AreEqual("/app/runtimes/linux-x64/native/libprobes.so", e.GetProperty("file").GetString());
            }
            CollectionAssert.Contains(Names(events, "probes:phase_begin"), "Startup");
        }
        finally
        {
            ProcessRunner.Run(podman, ["rm", "--force", "--ignore", "-t", "0", name], Timeout);
        }
    }

    private static List<string> Names(List<JsonElement> events, string probe) =>
        events.Where(e => e.GetProperty("probe").GetString() == probe).Select(e => e.GetProperty("args")[1].GetString()!).ToList();
}
