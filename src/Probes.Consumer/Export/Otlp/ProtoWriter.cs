using Google.Protobuf;

namespace Probes.Consumer.Export.Otlp;

/// <summary>
/// Writes one protobuf message field by field (Google.Protobuf's <see cref="CodedOutputStream"/>);
/// an embedded message is written by a nested writer first, then as its length-delimited bytes.
/// The OTLP messages are few and small, so that copy is cheaper than generated types would be to carry.
/// </summary>
public sealed class ProtoWriter : IDisposable
{
    private readonly MemoryStream _stream = new();
    private readonly CodedOutputStream _output;

    public ProtoWriter() => _output = new CodedOutputStream(_stream, leaveOpen: true);

    public void String(int field, string value)
    {
        _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _output.WriteString(value);
    }

    public void Bytes(int field, byte[] value)
    {
        _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _output.WriteBytes(UnsafeByteOperations.UnsafeWrap(value));
    }

    public void Varint(int field, ulong value)
    {
        _output.WriteTag(field, WireFormat.WireType.Varint);
        _output.WriteUInt64(value);
    }

    public void Bool(int field, bool value)
    {
        _output.WriteTag(field, WireFormat.WireType.Varint);
        _output.WriteBool(value);
    }

    public void Fixed64(int field, ulong value)
    {
        _output.WriteTag(field, WireFormat.WireType.Fixed64);
        _output.WriteFixed64(value);
    }

    public void Double(int field, double value)
    {
        _output.WriteTag(field, WireFormat.WireType.Fixed64);
        _output.WriteDouble(value);
    }

    public void PackedFixed64(int field, IReadOnlyList<ulong> values)
    {
        _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _output.WriteLength(values.Count * 8);
        foreach (ulong value in values)
        {
            _output.WriteFixed64(value);
        }
    }

    public void PackedDouble(int field, IReadOnlyList<double> values)
    {
        _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _output.WriteLength(values.Count * 8);
        foreach (double value in values)
        {
            _output.WriteDouble(value);
        }
    }

    public void Message(int field, Action<ProtoWriter> body)
    {
        using var inner = new ProtoWriter();
        body(inner);
        Bytes(field, inner.ToArray());
    }

    public byte[] ToArray()
    {
        _output.Flush();
        return _stream.ToArray();
    }

    public void Dispose()
    {
        _output.Dispose();
        _stream.Dispose();
    }
}
