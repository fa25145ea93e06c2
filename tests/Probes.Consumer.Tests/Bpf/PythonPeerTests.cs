using System.Diagnostics;
using System.Globalization;
using System.Text;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Ring;

namespace Probes.Consumer.Tests.Bpf;

/// <summary>
/// A real third-party binary: Debian's python3.11 (probes with semaphores, string arguments).
/// Our session and bpftrace trace python:function__entry at once; for our python process the
/// (file, function, line) sequences must be identical.
/// </summary>
[TestClass]
[TestCategory("Kernel")]
public sealed class PythonPeerTests
{
    private const string Python = "/usr/bin/python3.11";

    // bpftrace keeps both strings on its 512-byte BPF stack, so 128 each is what it can do here;
    // python's file names on this machine are shorter.
    private const int StringLength = 128;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [TestMethod]
    public void Function_entry_strings_and_lines_equal_bpftrace()
    {
        string bpftrace = Requirements.RootWithBpftrace();
        if (!File.Exists(Python))
        {
            Requirements.Tool("python3.11");
        }
        FixtureBinary python = FixtureBinary.Existing(Python);
        FixtureProbe probe = python.Sites.Single(p => p.Provider == "python" && p.Name == "function__entry");

        using UsdtSession session = UsdtSession.Create(new UsdtSessionOptions { RingBufferBytes = 1 << 22, PollIntervalMilliseconds = 10 });
        session.AddSite(new UsdtProgramSpec(1, probe.Arguments, [0, 1], StringLength), [python.Target(probe).Target]);
        session.Start();

        string script = "usdt:" + Python + ":python:function__entry { printf(\"%d|%s|%s|%d\\n\", pid, str(arg0), str(arg1), arg2); }";
        using var peer = new BpftracePeer(bpftrace, script, new Dictionary<string, string> { ["BPFTRACE_STRLEN"] = StringLength.ToString(CultureInfo.InvariantCulture) });
        // Imports run code objects from files, which Debian's 3.11 reports through function__entry.
        var ours = new List<string>();
        var clock = Stopwatch.StartNew();
        using var traced = new LiveProcess(Python, ["-c", "import json, decimal, fractions; print(json.dumps([1]))"]);
        int pid = traced.Pid;
        while (!traced.HasExited && clock.Elapsed < Timeout)
        {
            session.Poll(r => Keep(r, pid, ours), 20);
        }
        traced.WaitForExit(Timeout);
        session.Drain(r => Keep(r, pid, ours));

        // bpftrace prints asynchronously; take its lines for our pid until it has as many or goes quiet.
        List<string> theirs = peer.Lines(pid.ToString(CultureInfo.InvariantCulture) + "|", ours.Count).Select(line => line[(line.IndexOf('|') + 1)..]).ToList();

        Console.WriteLine($"python pid {pid}: ours {ours.Count}, bpftrace {theirs.Count}; first: {ours.FirstOrDefault()}; lost {session.LostCount}");
        Assert.IsTrue(ours.Count > 0, "python fired function__entry");
        Assert.AreEqual(0UL, session.LostCount);
        CollectionAssert.AreEqual(theirs, ours);
    }

    private static void Keep(UsdtRecord record, int pid, List<string> into)
    {
        if (record.Pid == pid)
        {
            into.Add($"{Encoding.UTF8.GetString(record.StringBytes(0))}|{Encoding.UTF8.GetString(record.StringBytes(1))}|{unchecked((long)record.Argument(2))}");
        }
    }
}
