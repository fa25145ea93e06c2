using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Probes.Consumer.Bpf;
using Probes.Consumer.Targets;

namespace Probes.Consumer.Cli;

/// <summary>
/// Writes traced events, one per line: text for people, or one JSON object per line with
/// <c>time</c>, <c>pid</c>, <c>tid</c>, <c>ns_pid</c>, <c>ns_tid</c>, <c>comm</c>,
/// <c>container</c>, <c>container_name</c>, <c>probe</c>, <c>file</c> and <c>args</c> (strings
/// for string-read arguments, numbers otherwise). Output is buffered and flushed once per batch,
/// so a fast probe does not cost a write(2) per event.
/// </summary>
public sealed class TraceEventWriter(Stream output, bool json, MonotonicClock clock) : IDisposable
{
    private readonly BufferedStream _buffer = new(output, 1 << 16);
    private readonly Utf8JsonWriter _json = new(Stream.Null, new JsonWriterOptions { SkipValidation = true });
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
        _json.WriteString("time", clock.ToWallClock(record.TimestampNanoseconds));
        _json.WriteNumber("pid", record.Pid);
        _json.WriteNumber("tid", record.Tid);
        if (record.HasNamespaces)
        {
            _json.WriteNumber("ns_pid", record.NamespacePid);
            _json.WriteNumber("ns_tid", record.NamespaceTid);
        }
        _json.WriteString("comm", Utf8OrReplacement(record.CommBytes));
        if (container is null)
        {
            _json.WriteNull("container");
            _json.WriteNull("container_name");
        }
        else
        {
            _json.WriteString("container", container.Id);
            _json.WriteString("container_name", container.Name);
        }
        _json.WriteString("probe", probe.FullName);
        _json.WriteString("file", probe.File);
        _json.WriteStartArray("args");
        for (int i = 0; i < record.ArgumentCount; i++)
        {
            if (record.IsString(i))
            {
                _json.WriteStringValue(Utf8OrReplacement(record.StringBytes(i)));
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

    private void WriteText(UsdtRecord record, TracedProbe probe, ContainerRef? container)
    {
        var text = new StringBuilder(160);
        text.Append(clock.ToWallClock(record.TimestampNanoseconds).ToLocalTime().ToString("HH:mm:ss.ffffff", CultureInfo.InvariantCulture))
            .Append(' ').Append(record.Comm)
            .Append(CultureInfo.InvariantCulture, $" {record.Pid}/{record.Tid}");
        if (record.HasNamespaces && record.NamespacePid != record.Pid)
        {
            text.Append(CultureInfo.InvariantCulture, $" (ns {record.NamespacePid}/{record.NamespaceTid})");
        }
        if (container is not null)
        {
            text.Append(" [").Append(container.DisplayName).Append(']');
        }
        text.Append(' ').Append(probe.FullName);
        for (int i = 0; i < record.ArgumentCount; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $" arg{i}=");
            if (record.IsString(i))
            {
                text.Append('"').Append(Utf8OrReplacement(record.StringBytes(i))).Append('"');
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

    // A target controls these bytes: invalid UTF-8 becomes U+FFFD rather than an exception.
    private static string Utf8OrReplacement(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
