namespace Probes.Hosting.Tests.Kernel;

/// <summary>The host sample's lifecycle phases, seen from outside through real probes by bpftrace.</summary>
[TestClass]
[TestCategory("Kernel")]
public sealed class HostLifecycleBpftraceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [TestMethod]
    public void Host_lifecycle_phases_fire_in_order_with_hosted_services_as_children()
    {
        string bpftrace = Requirements.RootWithBpftrace();
        string shim = SampleProgram.Host.Shim;

        using LiveProcess sample = SampleProgram.Host.Start("--ticks", "2", "--wait-for-tracer", "60");
        string script =
            $"usdt:{shim}:probes:phase_begin {{ printf(\"B %s %lu %lu\\n\", str(arg1), arg2, arg3); }}\n" +
            $"usdt:{shim}:probes:phase_end {{ printf(\"E %s %lu %d\\n\", str(arg1), arg2, (int32)arg3); }}\n" +
            $"usdt:{shim}:probes:mark {{ printf(\"M %s %ld\\n\", str(arg1), arg2); if (str(arg1) == \"Host.Stopped\") {{ exit(); }} }}\n";
        ProcessResult traced = Bpftrace.TraceUntilExit(bpftrace, sample.Pid, script, Timeout);
        Assert.IsTrue(sample.ExitsWithin(Timeout), "the host sample did not stop");
        Assert.AreEqual(0, sample.ExitCode);

        List<string[]> events = traced.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ')).Where(f => (f.Length == 4 && f[0] is "B" or "E") || (f.Length == 3 && f[0] == "M")).ToList();
        List<string> order = events.Where(e => e[1] != "Worker.Tick").Select(e => $"{e[0]} {e[1]}").ToList();
        CollectionAssert.AreEqual(
            new[]
            {
                "M Host.Starting", "B Host.Start",
                "B CacheWarmer.StartAsync", "E CacheWarmer.StartAsync",
                "B Worker.StartAsync", "E Worker.StartAsync",
                "E Host.Start", "M Host.Started",
                "M Host.Stopping", "B Host.Stop",
                "B Worker.StopAsync", "E Worker.StopAsync",
                "B CacheWarmer.StopAsync", "E CacheWarmer.StopAsync",
                "E Host.Stop", "M Host.Stopped",
            },
            order,
            traced.Stdout);

        string SpanOf(string name) => events.Single(e => e[0] == "B" && e[1] == name)[2];
        string ParentOf(string name) => events.Single(e => e[0] == "B" && e[1] == name)[3];
        Assert.AreEqual(SpanOf("Host.Start"), ParentOf("CacheWarmer.StartAsync"));
        Assert.AreEqual(SpanOf("Host.Start"), ParentOf("Worker.StartAsync"));
        Assert.AreEqual(SpanOf("Host.Stop"), ParentOf("Worker.StopAsync"));
        Assert.AreEqual(2, events.Count(e => e[0] == "E" && e[1] == "Worker.Tick"), "the injected IProbes fired the worker's own phases");
        long Mark(string name) => long.Parse(events.Single(e => e[0] == "M" && e[1] == name)[2], System.Globalization.CultureInfo.InvariantCulture);
        Assert.IsTrue(Mark("Host.Starting") <= Mark("Host.Started") && Mark("Host.Started") <= Mark("Host.Stopping") && Mark("Host.Stopping") <= Mark("Host.Stopped"),
            "uptime marks must not go backwards");
    }
}
