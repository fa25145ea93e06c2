using System.Diagnostics;
using System.Globalization;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Ring;

namespace Probes.Consumer.Tests.Bpf;

/// <summary>Cross-check with a real peer: bpftrace and our session trace the same probe at once and must agree.</summary>
[TestClass]
[TestCategory("Kernel")]
public sealed class BpftracePeerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [TestMethod]
    public void Bpftrace_and_our_session_decode_the_same_argument_values()
    {
        const int Iterations = 16;
        string bpftrace = Requirements.RootWithBpftrace();
        Requirements.Tool("gcc");
        FixtureBinary binary = FixtureBinary.Build("O2");
        FixtureProbe probe = binary.Probe("scalars");

        using UsdtSession session = UsdtSession.Create(new UsdtSessionOptions { RingBufferBytes = 1 << 16, PollIntervalMilliseconds = 10 });
        var (_, target) = binary.Target(probe);
        session.AddSite(new UsdtProgramSpec(1, probe.Arguments, []), [target]);
        session.Start();

        // BEGIN runs once every probe is attached, so READY is the moment to start the fixture.
        string script = $"usdt:{binary.Path}:fixture:scalars {{ printf(\"B %ld %ld %ld %ld %ld %ld\\n\", arg0, arg1, arg2, arg3, arg4, arg5); @n = count(); }}";
        using var peer = new BpftracePeer(bpftrace, script);
        using var process = new LiveProcess(binary.Path, [Iterations.ToString(CultureInfo.InvariantCulture), "5000"]);
        process.WaitForStdout("ready", Timeout);
        var ours = new List<string>();
        var clock = Stopwatch.StartNew();
        while (!process.HasExited && clock.Elapsed < Timeout)
        {
            session.Poll(r => ours.Add(Format(r)), 20);
        }
        process.WaitForExit(Timeout);
        session.Drain(r => ours.Add(Format(r)));

        List<string> theirs = peer.Lines("B ", Iterations);

        Console.WriteLine($"ours: {ours.FirstOrDefault()} ... ({ours.Count}); bpftrace: {theirs.FirstOrDefault()} ... ({theirs.Count})");
        Assert.AreEqual(Iterations, ours.Count);
        CollectionAssert.AreEqual(theirs, ours);
    }

    /// <summary>bpftrace's %ld shows each argument as a signed 64-bit value; so does SignedArgument.</summary>
    private static string Format(UsdtRecord record)
    {
        UsdtEvent e = record.ToEvent();
        return "B " + string.Join(' ', Enumerable.Range(0, e.Arguments.Count).Select(i => e.SignedArgument(i).ToString(CultureInfo.InvariantCulture)));
    }
}
