// `WriterCost btf`: times the cold vmlinux BTF parse that `probes trace` does before attaching.
// Measures TraceEventWriter.Write (the --json path of `probes trace`) on a synthetic
// bench:hit record: ns per event and managed bytes allocated per event, next to a variant
// that avoids the per-event strings (see bench/trace/README.md, "Problems found").
using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Btf;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Bpf.Uprobes;
using Probes.Consumer.Cli;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Targets.Files;
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
    IReadOnlyList<ListedProbe> sites = new ProbeLister(new CliConsole(TextWriter.Null, Console.Error), verbose: false)
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

Measure("TraceEventWriter (as shipped)", () =>
{
    using var writer = new TraceEventWriter(Stream.Null, json: true, clock);
    for (int i = 0; i < n; i++)
    {
        writer.Write(new UsdtRecord(bytes, layout), probe, null);
    }
});
Measure("suggested: cached names, comm as UTF-8", () =>
{
    var writer = new LeanJsonWriter(Stream.Null, clock, probe);
    for (int i = 0; i < n; i++)
    {
        writer.Write(new UsdtRecord(bytes, layout), null);
    }
    writer.Flush();
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

/// <summary>The same JSON line with no per-event string: pre-encoded names, comm written from its UTF-8 bytes.</summary>
sealed class LeanJsonWriter(Stream output, MonotonicClock clock, TracedProbe probe)
{
    private static readonly JsonEncodedText Time = JsonEncodedText.Encode("time"), Pid = JsonEncodedText.Encode("pid"),
        Tid = JsonEncodedText.Encode("tid"), NsPid = JsonEncodedText.Encode("ns_pid"), NsTid = JsonEncodedText.Encode("ns_tid"),
        Comm = JsonEncodedText.Encode("comm"), Container = JsonEncodedText.Encode("container"),
        ContainerName = JsonEncodedText.Encode("container_name"), Probe = JsonEncodedText.Encode("probe"),
        File = JsonEncodedText.Encode("file"), Args = JsonEncodedText.Encode("args");
    private readonly JsonEncodedText _probe = JsonEncodedText.Encode(probe.FullName), _file = JsonEncodedText.Encode(probe.File);
    private readonly BufferedStream _buffer = new(output, 1 << 16);
    private readonly ArrayBufferWriter<byte> _line = new(512);
    private readonly Utf8JsonWriter _json = new(Stream.Null, new JsonWriterOptions { SkipValidation = true });

    public void Write(UsdtRecord record, ContainerRef? container)
    {
        _line.ResetWrittenCount();
        _json.Reset(_line);
        _json.WriteStartObject();
        _json.WriteString(Time, clock.ToWallClock(record.TimestampNanoseconds));
        _json.WriteNumber(Pid, record.Pid);
        _json.WriteNumber(Tid, record.Tid);
        if (record.HasNamespaces)
        {
            _json.WriteNumber(NsPid, record.NamespacePid);
            _json.WriteNumber(NsTid, record.NamespaceTid);
        }
        ReadOnlySpan<byte> comm = record.CommBytes;
        if (System.Text.Unicode.Utf8.IsValid(comm))
        {
            _json.WriteString(Comm, comm);
        }
        else
        {
            _json.WriteString(Comm, Encoding.UTF8.GetString(comm));
        }
        if (container is null)
        {
            _json.WriteNull(Container);
            _json.WriteNull(ContainerName);
        }
        else
        {
            _json.WriteString(Container, container.Id);
            _json.WriteString(ContainerName, container.Name);
        }
        _json.WriteString(Probe, _probe);
        _json.WriteString(File, _file);
        _json.WriteStartArray(Args);
        for (int i = 0; i < record.ArgumentCount; i++)
        {
            if (probe.IsSigned(i))
            {
                _json.WriteNumberValue((long)record.Argument(i));
            }
            else
            {
                _json.WriteNumberValue(record.Argument(i));
            }
        }
        _json.WriteEndArray();
        _json.WriteEndObject();
        _json.Flush();
        _buffer.Write(_line.WrittenSpan);
        _buffer.WriteByte((byte)'\n');
    }

    public void Flush() => _buffer.Flush();
}
