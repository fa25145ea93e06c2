using System.Text;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Phases;

namespace Probes.Consumer.Tracing.Run;

/// <summary>
/// Turns a phase_begin/phase_end record into a <see cref="PhaseEvent"/> (ABI v1 arguments: id,
/// name, span, parent or status). Names repeat endlessly, so each is decoded once per id and
/// reused while the bytes match; a target sending a different name under the same id still gets
/// its own string.
/// </summary>
public sealed class PhaseEventDecoder
{
    private const int MaxNames = 16_384;
    private readonly Dictionary<uint, (byte[] Bytes, string Text)> _names = new();

    /// <param name="isBegin">The record is a <c>phase_begin</c> (else a <c>phase_end</c>).</param>
    public PhaseEvent Decode(UsdtRecord record, bool isBegin, string container)
    {
        var kind = isBegin ? PhaseEventKind.Begin : PhaseEventKind.End;
        uint id = (uint)record.Argument(0);
        return new PhaseEvent(kind, record.TimestampNanoseconds, record.Pid, record.Tid, container, id, Name(id, record.StringBytes(1)), record.Argument(2), record.Argument(3));
    }

    /// <summary>A <c>mark(id, name, value)</c> record.</summary>
    public MarkEvent DecodeMark(UsdtRecord record, string container)
    {
        uint id = (uint)record.Argument(0);
        return new MarkEvent(container, id, Name(id, record.StringBytes(1)), unchecked((long)record.Argument(2)),
            record.TimestampNanoseconds, record.Pid, record.Tid);
    }

    /// <summary>The name a phase or mark record carries (argument 1), decoded once per id.</summary>
    public string Name(uint id, ReadOnlySpan<byte> bytes)
    {
        if (_names.TryGetValue(id, out (byte[] Bytes, string Text) known) && bytes.SequenceEqual(known.Bytes))
        {
            return known.Text;
        }
        string text = Encoding.UTF8.GetString(bytes);
        if (_names.Count < MaxNames)
        {
            _names[id] = (bytes.ToArray(), text);
        }
        return text;
    }
}
