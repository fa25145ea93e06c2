// The peer of TraceEventWriter's hand-tuned JSON path: the same line as a source-generated
// System.Text.Json contract (one object per event, serialized through a JsonSerializerContext),
// with the one escaping policy of probes' other documents. It exists to measure whether the
// per-event writer should stay hand-tuned (bench/README.md).
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Output.Json;
using Probes.Consumer.Tracing;

internal sealed record TraceLineJson(
    DateTimeOffset Time,
    int Pid,
    int Tid,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? NsPid,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? NsTid,
    string Comm,
    string? Container,
    string? ContainerName,
    string Probe,
    string File,
    TraceArgJson[] Args);

/// <summary>An argument: a number (signed or not) or a string read from the target.</summary>
[JsonConverter(typeof(TraceArgConverter))]
internal readonly record struct TraceArgJson(ulong Value, bool Signed, string? Text);

internal sealed class TraceArgConverter : JsonConverter<TraceArgJson>
{
    public override TraceArgJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException();

    public override void Write(Utf8JsonWriter writer, TraceArgJson value, JsonSerializerOptions options)
    {
        if (value.Text is not null)
        {
            writer.WriteStringValue(value.Text);
        }
        else if (value.Signed)
        {
            writer.WriteNumberValue((long)value.Value);
        }
        else
        {
            writer.WriteNumberValue(value.Value);
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(TraceLineJson))]
internal sealed partial class TraceLineContext : JsonSerializerContext;

internal sealed class SourceGeneratedTraceWriter(Stream output, MonotonicClock clock) : IDisposable
{
    private readonly BufferedStream _buffer = new(output, 1 << 16);
    private readonly Utf8JsonWriter _json = OutputJson.Writer(Stream.Null, indented: false);

    public void Write(UsdtRecord record, TracedProbe probe, Probes.Consumer.Targets.Containers.ContainerRef? container)
    {
        var args = new TraceArgJson[record.ArgumentCount];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = record.IsString(i)
                ? new TraceArgJson(0, false, Encoding.UTF8.GetString(record.StringBytes(i)))
                : new TraceArgJson(record.Argument(i), probe.IsSigned(i), null);
        }
        var line = new TraceLineJson(
            clock.ToWallClock(record.TimestampNanoseconds), record.Pid, record.Tid,
            record.HasNamespaces ? record.NamespacePid : null, record.HasNamespaces ? record.NamespaceTid : null,
            Encoding.UTF8.GetString(record.CommBytes), container?.Id, container?.Name, probe.FullName, probe.File, args);
        _json.Reset(_buffer);
        JsonSerializer.Serialize(_json, line, TraceLineContext.Default.TraceLineJson);
        _json.Flush();
        _buffer.WriteByte((byte)'\n');
    }

    public void Dispose()
    {
        _json.Dispose();
        _buffer.Dispose();
    }
}
