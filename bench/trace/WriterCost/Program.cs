// `WriterCost btf`: times the cold vmlinux BTF parse that `probes trace` does before attaching.
// `WriterCost load FILE`: BPF_PROG_LOAD per site of bench:hit, by namespace access mode.
// `WriterCost [N]`: TraceEventWriter.Write (the --json and text paths of `probes trace`) on a
// synthetic bench:hit record: ns per event and managed bytes allocated per event, beside the same
// JSON line through a source-generated contract (SourceGeneratedLine.cs).
// Uses the layers below the CLI only (Bpf, Targets, Tracing, Output), as any consumer of the engine would.
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Btf;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Bpf.Uprobes;
using Probes.Consumer.Output;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Tracing;
using Probes.Consumer.Tracing.Discovery;
using Probes.Consumer.Usdt;

if (args is ["btf"])
{
    // Start-up share of `probes trace`: the first (cold, as in the CLI) parse of vmlinux BTF.
    var cold = Stopwatch.StartNew();
    TaskLayout layoutCold = KernelBtf.LoadVmlinux().ReadTaskLayout();
    cold.Stop();
    var warm = Stopwatch.StartNew();
    KernelBtf.LoadVmlinux().ReadTaskLayout();
    warm.Stop();
    Console.WriteLine($"KernelBtf.LoadVmlinux().ReadTaskLayout(): first call {cold.Elapsed.TotalMilliseconds:F0} ms, second {warm.Elapsed.TotalMilliseconds:F0} ms (task_struct.thread_pid at {layoutCold.TaskThreadPid})");
    return;
}

if (args is ["load", string file])
{
    // Start-up share of `probes trace`: BPF_PROG_LOAD per site of bench:hit, by namespace access mode (needs root).
    IReadOnlyList<ListedProbe> sites = new ProbeDiscovery(NullDiagnostics.Instance)
        .ListFile(file).Where(p => p.Probe.ToString() == "bench:hit").ToList();
    foreach ((string mode, UsdtSessionOptions options) in new[]
    {
        ("namespaces, BtfDirect (default)", new UsdtSessionOptions()),
        ("namespaces, ProbeRead", new UsdtSessionOptions { PreferredNamespaceAccess = NamespaceAccess.ProbeRead }),
        ("no namespaces", new UsdtSessionOptions { ReadNamespaces = false }),
    })
    {
        for (int round = 0; round < 2; round++)
        {
            using UsdtSession session = UsdtSession.Create(options);
            var times = new List<string>();
            foreach (ListedProbe one in sites)
            {
                var watch = Stopwatch.StartNew();
                session.AddSite(new UsdtProgramSpec(0, one.Arguments, []), [new UprobeTarget(file, one.Probe.PcOffset, one.Probe.SemaphoreOffset)]);
                times.Add($"{watch.Elapsed.TotalMilliseconds:F1}");
            }
            Console.WriteLine($"AddSite (program load) per site, {mode}, round {round}: {string.Join(" ", times)} ms ({session.NamespaceAccess})");
        }
    }
    return;
}

int n = args.Length > 0 ? int.Parse(args[0]) : 2_000_000;
var layout = new UsdtRecordLayout(2, [], 0);
byte[] bytes = new byte[layout.Size];
BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(UsdtRecordLayout.TimestampOffset), (ulong)MonotonicClock.MonotonicNanoseconds());
BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(UsdtRecordLayout.PidOffset), 4242);
BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(UsdtRecordLayout.TidOffset), 4242);
BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(UsdtRecordLayout.NamespacePidOffset), 4242);
BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(UsdtRecordLayout.NamespaceTidOffset), 4242);
bytes[UsdtRecordLayout.ArgumentCountOffset] = 2;
bytes[UsdtRecordLayout.FlagsOffset] = UsdtRecordLayout.FlagNamespaces;
Encoding.ASCII.GetBytes("fixture").CopyTo(bytes, UsdtRecordLayout.CommOffset);
BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(UsdtRecordLayout.ArgumentOffset(0)), 123456);
BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(UsdtRecordLayout.ArgumentOffset(1)), -123456);

var probeNote = new UsdtProbe("bench", "hit", 0x1297, 0x2100, 0x4040, "8@%r12 -8@%rax", 0x1297, 0x3040);
var site = new ListedProbe(new TargetFile("/tmp/fixture", "/tmp/fixture"), probeNote, UsdtArgumentParser.Parse(probeNote.Arguments));
var probe = new TracedProbe(0, "bench", "hit", "/tmp/fixture", [site], []);
var clock = new MonotonicClock();

Measure("TraceEventWriter --json", () =>
{
    using var writer = new TraceEventWriter(Stream.Null, json: true, clock);
    for (int i = 0; i < n; i++)
    {
        writer.Write(new UsdtRecord(bytes, layout), probe, null);
    }
});
Measure("source-generated contract --json (peer)", () =>
{
    using var writer = new SourceGeneratedTraceWriter(Stream.Null, clock);
    for (int i = 0; i < n; i++)
    {
        writer.Write(new UsdtRecord(bytes, layout), probe, null);
    }
});
Measure("TraceEventWriter text", () =>
{
    using var writer = new TraceEventWriter(Stream.Null, json: false, clock);
    for (int i = 0; i < n; i++)
    {
        writer.Write(new UsdtRecord(bytes, layout), probe, null);
    }
});

void Measure(string name, Action run)
{
    run(); // warm-up: JIT to tier 1
    run();
    long before = GC.GetAllocatedBytesForCurrentThread();
    int gcs = GC.CollectionCount(0);
    var watch = Stopwatch.StartNew();
    run();
    watch.Stop();
    long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
    Console.WriteLine($"{name,-42} {watch.Elapsed.TotalNanoseconds / n,7:F0} ns/event {(double)allocated / n,7:F1} B/event {GC.CollectionCount(0) - gcs,5} gen0 GCs per {n} events");
}
