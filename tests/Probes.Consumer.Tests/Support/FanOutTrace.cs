using System.Runtime.CompilerServices;
using Probes.Consumer.Output.Reports;
using Probes.Consumer.Phases;

namespace Probes.Consumer.Tests.Support;

/// <summary>
/// The timeline of a concurrent async fan-out, as the sample's startup produces it (issue 18):
/// Startup → LoadConfig, WarmCaches → three fetches awaited together (Task.WhenAll), each with a
/// child, ConnectDatabase; async phases end on other threads than they began on. The fetches are
/// the shapes a time-containment layout misdraws: the first runs 30 µs and the second and third
/// lie inside it in time, and the third's child lies inside the first. Besides it: a mark, a
/// phase still open at the end, and a second process in another container.
/// </summary>
public static class FanOutTrace
{
    public const ulong TraceEndNs = 1_000_000 + 120_000;

    /// <summary>The wall clock the golden file was written with: monotonic 0 is 2026-12-07 12:00:00 UTC.</summary>
    public static readonly DateTimeOffset MonotonicZero = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    public static string GoldenPath([CallerFilePath] string here = "") =>
        Path.Combine(Path.GetDirectoryName(here)!, "..", "Output", "Golden", "fan-out.trace.json");

    public static (List<CompletedPhase> Phases, IReadOnlyList<UnfinishedPhase> Unfinished, List<MarkEvent> Marks) Events()
    {
        const ulong t0 = 1_000_000;
        const int web1 = 4100, web2 = 4200;
        var pairing = new PhasePairing();
        var phases = new List<CompletedPhase>();
        void Begin(ulong at, int pid, int tid, ulong span, ulong parent, string name) => Feed(new PhaseEvent(PhaseEventKind.Begin, t0 + at, pid, tid, "c1", Id(name), name, span, parent));
        void End(ulong at, int pid, int tid, ulong span, string name) => Feed(new PhaseEvent(PhaseEventKind.End, t0 + at, pid, tid, "c1", Id(name), name, span, 0));
        void Feed(PhaseEvent e)
        {
            if (pairing.Add(e) is { } done)
            {
                phases.Add(done);
            }
        }

        Begin(1_000, web1, web1, 1, 0, "Startup");
        Begin(2_000, web1, web1, 2, 1, "LoadConfig");
        End(21_000, web1, web1, 2, "LoadConfig");
        Begin(22_000, web1, web1, 3, 1, "WarmCaches");
        Begin(22_100, web1, web1, 4, 3, "WarmCaches.Fetch");
        Begin(22_200, web1, web1, 5, 3, "WarmCaches.Fetch");
        Begin(22_300, web1, web1, 6, 3, "WarmCaches.Fetch");
        Begin(30_000, web1, web1 + 2, 8, 5, "WarmCaches.Fetch.Decode");
        End(34_000, web1, web1 + 2, 8, "WarmCaches.Fetch.Decode");
        End(35_000, web1, web1 + 2, 5, "WarmCaches.Fetch");
        Begin(40_000, web1, web1 + 3, 9, 6, "WarmCaches.Fetch.Decode");
        End(44_000, web1, web1 + 3, 9, "WarmCaches.Fetch.Decode");
        End(45_000, web1, web1 + 3, 6, "WarmCaches.Fetch");
        Begin(50_000, web1, web1 + 1, 7, 4, "WarmCaches.Fetch.Decode");
        End(51_500, web1, web1 + 1, 7, "WarmCaches.Fetch.Decode");
        End(52_000, web1, web1 + 1, 4, "WarmCaches.Fetch");
        End(60_000, web1, web1 + 1, 3, "WarmCaches");
        Begin(61_000, web1, web1 + 1, 10, 1, "ConnectDatabase");
        End(92_000, web1, web1 + 3, 10, "ConnectDatabase");
        End(93_000, web1, web1 + 3, 1, "Startup");
        Begin(96_000, web1, web1, 11, 0, "HandleRequest");

        Begin(5_000, web2, web2, 1, 0, "Startup");
        Begin(6_000, web2, web2, 2, 1, "LoadConfig");
        End(9_000, web2, web2, 2, "LoadConfig");
        End(40_000, web2, web2 + 1, 1, "Startup");

        var marks = new List<MarkEvent> { new("c1", 0x5005, "RequestsServed", 1, t0 + 95_000, web1, web1) };
        return (phases, pairing.Unfinished(), marks);
    }

    public static string ProcessLabel(int pid) => pid == 4100 ? "Probes.Sample (pid 4100, web-1)" : $"Probes.Sample (pid {pid}, web-2)";

    public static DateTimeOffset WallClock(ulong monotonicNs) => MonotonicZero.AddTicks((long)(monotonicNs / 100));

    /// <summary>The trace probes writes for it.</summary>
    public static string Write()
    {
        (List<CompletedPhase> phases, IReadOnlyList<UnfinishedPhase> unfinished, List<MarkEvent> marks) = Events();
        using var stream = new MemoryStream();
        ChromeTraceWriter.Write(phases, unfinished, marks, TraceEndNs, ProcessLabel, WallClock, stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static uint Id(string name) => name switch
    {
        "Startup" => 0x1001,
        "LoadConfig" => 0x1002,
        "WarmCaches" => 0x1003,
        "WarmCaches.Fetch" => 0x1004,
        "WarmCaches.Fetch.Decode" => 0x1005,
        "ConnectDatabase" => 0x1006,
        _ => 0x1007,
    };
}
