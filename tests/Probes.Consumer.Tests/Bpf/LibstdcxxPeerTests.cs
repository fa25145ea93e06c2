using System.Diagnostics;
using System.Globalization;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Programs;

namespace Probes.Consumer.Tests.Bpf;

/// <summary>
/// A probe in a shared library without a semaphore: libstdcxx:throw in the system libstdc++.
/// Our values must equal what the C++ fixture printed (the typeinfo pointer) and what bpftrace saw.
/// </summary>
[TestClass]
[TestCategory("Kernel")]
public sealed class LibstdcxxPeerTests
{
    private const string Library = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
    private const int Iterations = 10;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [TestMethod]
    public void Throw_arguments_equal_the_fixture_and_bpftrace()
    {
        string bpftrace = Requirements.RootWithBpftrace();
        string gxx = Requirements.Tool("g++");
        if (!File.Exists(Library))
        {
            Assert.Inconclusive($"{Library} is not installed");
        }
        FixtureBinary library = FixtureBinary.Existing(Library);
        FixtureProbe probe = library.Sites.Single(p => p.Provider == "libstdcxx" && p.Name == "throw");
        Assert.AreEqual(0UL, probe.Semaphore, "libstdcxx:throw has no semaphore");
        string fixture = FixtureCompiler.Build("throw_fixture", gxx, ["-O2", "-Wall", "-Werror", FixtureCompiler.Source("throw_fixture.cpp")]);

        using UsdtSession session = UsdtSession.Create(new UsdtSessionOptions { RingBufferBytes = 1 << 18, PollIntervalMilliseconds = 10 });
        session.AddSite(new UsdtProgramSpec(2, probe.Arguments, []), [library.Target(probe).Target]);
        session.Start();

        // The path is quoted: bpftrace's grammar does not take "++" in a bare path.
        string script = "usdt:\"" + Library + "\":libstdcxx:throw { printf(\"%d|%ld|%ld\\n\", pid, arg0, arg1); }";
        using var peer = new BpftracePeer(bpftrace, script);
        var ours = new List<string>();
        Task<ProcessResult> traced = Task.Run(() => ProcessRunner.Run(fixture, [Iterations.ToString(CultureInfo.InvariantCulture)], Timeout));
        var clock = Stopwatch.StartNew();
        while (!traced.IsCompleted && clock.Elapsed < Timeout)
        {
            session.Poll(r => ours.Add($"{r.Pid}|{unchecked((long)r.Argument(0))}|{unchecked((long)r.Argument(1))}"), 20);
        }
        ProcessResult run = traced.Result;
        session.Drain(r => ours.Add($"{r.Pid}|{unchecked((long)r.Argument(0))}|{unchecked((long)r.Argument(1))}"));
        run.EnsureSuccess("throw fixture");

        // Only our fixture's throws: other C++ programs on the machine may throw meanwhile.
        string[] typeinfos = run.Stdout.Split('\n').Where(l => l.StartsWith("throw ", StringComparison.Ordinal))
            .Select(l => Convert.ToInt64(l[8..], 16).ToString(CultureInfo.InvariantCulture)).ToArray();
        HashSet<string> fixturePids = ours.Select(l => l.Split('|')[0]).Where(p => ours.Count(o => o.StartsWith(p + "|", StringComparison.Ordinal)) == Iterations).ToHashSet();
        Assert.AreEqual(1, fixturePids.Count, $"exactly one process threw {Iterations} times: {string.Join(", ", ours)}");
        string pid = fixturePids.Single();
        string[] mine = ours.Where(l => l.StartsWith(pid + "|", StringComparison.Ordinal)).ToArray();
        List<string> theirs = peer.Lines(pid + "|", Iterations);

        Console.WriteLine($"pid {pid}: ours {mine.Length}, bpftrace {theirs.Count}; first {mine.FirstOrDefault()}");
        CollectionAssert.AreEqual(typeinfos, mine.Select(l => l.Split('|')[2]).ToArray(), "arg1 is the thrown type's typeinfo");
        CollectionAssert.AreEqual(theirs, mine);
    }
}
