using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Probes.Consumer.Bpf;

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
        string fixture = Path.Combine(Directory.CreateTempSubdirectory("probes-throw-").FullName, "throw_fixture");
        ProcessRunner.Run(gxx, ["-O2", "-Wall", "-Werror", "-o", fixture, FixtureBinary.FixtureSource("throw_fixture.cpp")], TimeSpan.FromSeconds(120)).EnsureSuccess("g++");

        using UsdtSession session = UsdtSession.Create(new UsdtSessionOptions { RingBufferBytes = 1 << 18, PollIntervalMilliseconds = 10 });
        session.AddSite(new UsdtProgramSpec(2, probe.Arguments, []), [library.Target(probe).Target]);
        session.Start();

        // The path is quoted: bpftrace's grammar does not take "++" in a bare path.
        string script = "BEGIN { printf(\"READY\\n\"); } usdt:\"" + Library + "\":libstdcxx:throw { printf(\"%d|%ld|%ld\\n\", pid, arg0, arg1); }";
        using Process peer = ProcessRunner.Start(bpftrace, ["-B", "line", "-e", script]);
        var peerLines = new BlockingCollection<string>();
        peer.OutputDataReceived += (_, e) => { if (e.Data is not null) { peerLines.Add(e.Data); } };
        peer.ErrorDataReceived += (_, e) => { if (e.Data is not null) { peerLines.Add("stderr: " + e.Data); } };
        peer.BeginOutputReadLine();
        peer.BeginErrorReadLine();
        try
        {
            Take(peerLines, l => l == "READY", peer);

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
            var theirs = new List<string>();
            while (theirs.Count < Iterations && peerLines.TryTake(out string? line, TimeSpan.FromSeconds(10)))
            {
                if (line.StartsWith(pid + "|", StringComparison.Ordinal))
                {
                    theirs.Add(line);
                }
            }

            Console.WriteLine($"pid {pid}: ours {mine.Length}, bpftrace {theirs.Count}; first {mine.FirstOrDefault()}");
            CollectionAssert.AreEqual(typeinfos, mine.Select(l => l.Split('|')[2]).ToArray(), "arg1 is the thrown type's typeinfo");
            CollectionAssert.AreEqual(theirs, mine);
        }
        finally
        {
            if (!peer.HasExited)
            {
                peer.Kill();
                peer.WaitForExit();
            }
        }
    }

    private static void Take(BlockingCollection<string> lines, Func<string, bool> match, Process peer)
    {
        var seen = new List<string>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Timeout && !(peer.HasExited && lines.Count == 0))
        {
            if (lines.TryTake(out string? line, TimeSpan.FromMilliseconds(200)))
            {
                seen.Add(line);
                if (match(line))
                {
                    return;
                }
            }
        }
        Assert.Fail($"bpftrace did not get ready:\n{string.Join('\n', seen)}");
    }
}
