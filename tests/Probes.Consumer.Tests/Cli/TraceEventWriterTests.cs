using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Cli;
using Probes.Consumer.Output;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Tracing;
using Probes.Consumer.Tracing.Discovery;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Cli;

[TestClass]
public sealed class TraceEventWriterTests
{
    private static (byte[] Bytes, UsdtRecordLayout Layout) Record(byte[] comm, byte[] name)
    {
        var layout = new UsdtRecordLayout(4, [1], 32);
        byte[] bytes = new byte[layout.Size];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(UsdtRecordLayout.TidOffset), (77UL << 32) | 78UL);
        bytes[UsdtRecordLayout.ArgumentCountOffset] = 4;
        comm.CopyTo(bytes, UsdtRecordLayout.CommOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(UsdtRecordLayout.ArgumentOffset(0)), 0x885eaf4c);
        name.CopyTo(bytes, layout.StringOffset(1));
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(UsdtRecordLayout.ArgumentOffset(3)), -1);
        return (bytes, layout);
    }

    private static TracedProbe PhaseEnd()
    {
        var note = new UsdtProbe("probes", "phase_end", 0x1000, 0, 0, "4@%edi 8@%rsi 8@%rdx -4@%ecx", 0x1000, 0);
        var site = new ListedProbe(new TargetFile("/app/libprobes.so", "/app/libprobes.so"), note, UsdtArgumentParser.Parse(note, "/app/libprobes.so"));
        return new TracedProbe(0, "probes", "phase_end", "/app/libprobes.so", [site], [1]);
    }

    private static JsonElement WriteOne(byte[] comm, byte[] name)
    {
        (byte[] bytes, UsdtRecordLayout layout) = Record(comm, name);
        using var output = new MemoryStream();
        using (var writer = new TraceEventWriter(output, json: true, new MonotonicClock()))
        {
            writer.Write(new UsdtRecord(bytes, layout), PhaseEnd(), new ContainerRef(new string('a', 64), "web-1"));
        }
        string line = Encoding.UTF8.GetString(output.ToArray());
        Assert.AreEqual(1, line.Count(c => c == '\n'), "one event, one line");
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    [TestMethod]
    public void A_json_line_carries_every_documented_field()
    {
        JsonElement e = WriteOne("worker"u8.ToArray(), "Query"u8.ToArray());
        Assert.AreEqual(77, e.GetProperty("pid").GetInt32());
        Assert.AreEqual(78, e.GetProperty("tid").GetInt32());
        Assert.AreEqual("worker", e.GetProperty("comm").GetString());
        Assert.AreEqual("web-1", e.GetProperty("container_name").GetString());
        Assert.AreEqual("probes:phase_end", e.GetProperty("probe").GetString());
        Assert.AreEqual("/app/libprobes.so", e.GetProperty("file").GetString());
        JsonElement[] args = e.GetProperty("args").EnumerateArray().ToArray();
        Assert.AreEqual(0x885eaf4cu, args[0].GetUInt32());
        Assert.AreEqual("Query", args[1].GetString());
        Assert.AreEqual(-1, args[3].GetInt64(), "a signed 4-byte argument is written as a signed number");
        Assert.IsTrue(e.TryGetProperty("time", out _));
    }

    [TestMethod]
    public void Invalid_utf8_from_the_target_becomes_replacement_characters_not_an_error()
    {
        JsonElement e = WriteOne([0x77, 0xff, 0x78], [0x51, 0xc3]);
        Assert.AreEqual("w\uFFFDx", e.GetProperty("comm").GetString());
        Assert.AreEqual("Q\uFFFD", e.GetProperty("args")[1].GetString());
    }

    [TestMethod]
    public void Each_probe_keeps_its_own_name_and_file_when_another_probe_has_its_id()
    {
        // The writer escapes a probe's name and file once; a probe it has not seen under that id (another run's plan) is not taken for the first.
        (byte[] bytes, UsdtRecordLayout layout) = Record("worker"u8.ToArray(), "Query"u8.ToArray());
        TracedProbe first = PhaseEnd();
        var other = new TracedProbe(first.Id, "probes", "phase_\"odd\"", "/other/lib\\probes.so", first.Sites, first.StringArguments);
        using var output = new MemoryStream();
        using (var writer = new TraceEventWriter(output, json: true, new MonotonicClock()))
        {
            writer.Write(new UsdtRecord(bytes, layout), first, null);
            writer.Write(new UsdtRecord(bytes, layout), other, null);
            writer.Write(new UsdtRecord(bytes, layout), first, null);
        }
        JsonElement[] lines = Encoding.UTF8.GetString(output.ToArray()).TrimEnd('\n').Split('\n').Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToArray();
        CollectionAssert.AreEqual(new[] { "probes:phase_end", "probes:phase_\"odd\"", "probes:phase_end" }, lines.Select(e => e.GetProperty("probe").GetString()).ToArray());
        CollectionAssert.AreEqual(new[] { "/app/libprobes.so", "/other/lib\\probes.so", "/app/libprobes.so" }, lines.Select(e => e.GetProperty("file").GetString()).ToArray());
    }

    [TestMethod]
    public void A_string_argument_with_a_bidi_override_or_escape_is_escaped_like_every_other_json_document()
    {
        // The one escaping policy (OutputJson): the relaxed encoder alone lets U+202E through.
        (byte[] bytes, UsdtRecordLayout layout) = Record("w"u8.ToArray(), Encoding.UTF8.GetBytes("a\u202eb\u001b[2Jé"));
        using var output = new MemoryStream();
        using (var writer = new TraceEventWriter(output, json: true, new MonotonicClock()))
        {
            writer.Write(new UsdtRecord(bytes, layout), PhaseEnd(), null);
        }
        string line = Encoding.UTF8.GetString(output.ToArray()).TrimEnd('\n');

        Assert.IsFalse(line.Contains('\u202e'), line);
        Assert.IsFalse(line.Any(char.IsControl), line);
        StringAssert.Contains(line, "\"a\\u202Eb\\u001B[2Jé\"", "escaped as JSON, other non-ASCII text as it is");
        Assert.AreEqual("a\u202eb\u001b[2Jé", JsonDocument.Parse(line).RootElement.GetProperty("args")[1].GetString());
    }
}
