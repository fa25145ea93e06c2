using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Output.Json;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Tracing;

namespace Probes.Consumer.Output;

/// <summary>
/// Writes traced events, one per line: text for people, or one JSON object per line with
/// <c>time</c>, <c>pid</c>, <c>tid</c>, <c>ns_pid</c>, <c>ns_tid</c>, <c>comm</c>,
/// <c>container</c>, <c>container_name</c>, <c>probe</c>, <c>file</c> and <c>args</c> (strings
/// for string-read arguments, numbers otherwise). Output is buffered and flushed once per batch,
/// so a fast probe does not cost a write(2) per event.
/// </summary>
public sealed class TraceEventWriter(Stream output, bool json, MonotonicClock clock) : IDisposable
{
    private static readonly JsonEncodedText TimeProperty = JsonEncodedText.Encode("time");
    private static readonly JsonEncodedText PidProperty = JsonEncodedText.Encode("pid");
    private static readonly JsonEncodedText TidProperty = JsonEncodedText.Encode("tid");
    private static readonly JsonEncodedText NsPidProperty = JsonEncodedText.Encode("ns_pid");
    private static readonly JsonEncodedText NsTidProperty = JsonEncodedText.Encode("ns_tid");
    private static readonly JsonEncodedText CommProperty = JsonEncodedText.Encode("comm");
    private static readonly JsonEncodedText ContainerProperty = JsonEncodedText.Encode("container");
    private static readonly JsonEncodedText ContainerNameProperty = JsonEncodedText.Encode("container_name");
    private static readonly JsonEncodedText ProbeProperty = JsonEncodedText.Encode("probe");
    private static readonly JsonEncodedText FileProperty = JsonEncodedText.Encode("file");
    private static readonly JsonEncodedText ArgsProperty = JsonEncodedText.Encode("args");

    private readonly BufferedStream _buffer = new(output, 1 << 16);
    // Per probe id: its name and file, escaped for JSON once rather than once per event.
    private (TracedProbe? Probe, JsonEncodedText Name, JsonEncodedText File)[] _encoded = [];
    private readonly Utf8JsonWriter _json = new(Stream.Null, new JsonWriterOptions { SkipValidation = true, Encoder = OutputJson.Encoder });
    private readonly ArrayBufferWriter<byte> _line = new(512);

    public void Write(UsdtRecord record, TracedProbe probe, ContainerRef? container)
    {
        _line.ResetWrittenCount();
        if (json)
        {
            WriteJson(record, probe, container);
        }
        else
        {
            WriteText(record, probe, container);
        }
        _buffer.Write(_line.WrittenSpan);
        _buffer.WriteByte((byte)'\n');
    }

    public void Flush() => _buffer.Flush();

    public void Dispose()
    {
        _buffer.Flush();
        _json.Dispose();
        _buffer.Dispose();
    }

    private void WriteJson(UsdtRecord record, TracedProbe probe, ContainerRef? container)
    {
        _json.Reset(_line);
        _json.WriteStartObject();
        _json.WriteString(TimeProperty, clock.ToWallClock(record.TimestampNanoseconds));
        _json.WriteNumber(PidProperty, record.Pid);
        _json.WriteNumber(TidProperty, record.Tid);
        if (record.HasNamespaces)
        {
            _json.WriteNumber(NsPidProperty, record.NamespacePid);
            _json.WriteNumber(NsTidProperty, record.NamespaceTid);
        }
        WriteUtf8(CommProperty, record.CommBytes);
        if (container is null)
        {
            _json.WriteNull(ContainerProperty);
            _json.WriteNull(ContainerNameProperty);
        }
        else
        {
            _json.WriteString(ContainerProperty, container.Id);
            _json.WriteString(ContainerNameProperty, container.Name);
        }
        (JsonEncodedText name, JsonEncodedText file) = Encoded(probe);
        _json.WriteString(ProbeProperty, name);
        _json.WriteString(FileProperty, file);
        _json.WriteStartArray(ArgsProperty);
        for (int i = 0; i < record.ArgumentCount; i++)
        {
            if (record.IsString(i))
            {
                WriteUtf8Value(record.StringBytes(i));
            }
            else if (probe.IsSigned(i))
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
    }

    private (JsonEncodedText Name, JsonEncodedText File) Encoded(TracedProbe probe)
    {
        uint id = probe.Id;
        if (id < _encoded.Length && ReferenceEquals(_encoded[id].Probe, probe))
        {
            return (_encoded[id].Name, _encoded[id].File);
        }
        if (id >= _encoded.Length)
        {
            Array.Resize(ref _encoded, (int)Math.Max(id + 1, 2 * (uint)_encoded.Length));
        }
        _encoded[id] = (probe, JsonEncodedText.Encode(probe.FullName, OutputJson.Encoder), JsonEncodedText.Encode(probe.File, OutputJson.Encoder));
        return (_encoded[id].Name, _encoded[id].File);
    }

    // Comm, names and string arguments come from the target: escaped for the terminal.
    private void WriteText(UsdtRecord record, TracedProbe probe, ContainerRef? container)
    {
        var text = new StringBuilder(160);
        text.Append(clock.ToWallClock(record.TimestampNanoseconds).ToLocalTime().ToString("HH:mm:ss.ffffff", CultureInfo.InvariantCulture))
            .Append(' ').AppendSafe(record.Comm)
            .Append(CultureInfo.InvariantCulture, $" {record.Pid}/{record.Tid}");
        if (record.HasNamespaces && record.NamespacePid != record.Pid)
        {
            text.Append(CultureInfo.InvariantCulture, $" (ns {record.NamespacePid}/{record.NamespaceTid})");
        }
        if (container is not null)
        {
            text.Append(" [").AppendSafe(container.DisplayName).Append(']');
        }
        text.Append(' ').AppendSafe(probe.FullName);
        for (int i = 0; i < record.ArgumentCount; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $" arg{i}=");
            if (record.IsString(i))
            {
                text.Append('"').AppendSafe(Utf8OrReplacement(record.StringBytes(i))).Append('"');
            }
            else if (probe.IsSigned(i))
            {
                text.Append((long)record.Argument(i));
            }
            else
            {
                text.Append(record.Argument(i));
            }
        }
        Encoding.UTF8.GetBytes(text.ToString(), _line);
    }

    // A target controls these bytes: valid UTF-8 is written as it is (no string per event);
    // invalid UTF-8 becomes U+FFFD rather than an exception.
    private static string Utf8OrReplacement(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    private void WriteUtf8(JsonEncodedText property, ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            _json.WriteString(property, bytes);
        }
        else
        {
            _json.WriteString(property, Utf8OrReplacement(bytes));
        }
    }

    private void WriteUtf8Value(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            _json.WriteStringValue(bytes);
        }
        else
        {
            _json.WriteStringValue(Utf8OrReplacement(bytes));
        }
    }
}
