using Google.Protobuf.Collections;
using Probes.Otlp.Proto.Common;

namespace Probes.Otlp.Receiver;

/// <summary>
/// OTLP attribute lists as plain .NET values, so a test compares with what it exported:
/// string, bool, long, double, byte[], object?[] (array) and a dictionary (kvlist); an
/// AnyValue with no case set is null. OTLP requires unique keys; if a sender repeats one,
/// the last value wins here.
/// </summary>
public static class OtlpAttributes
{
    public static IReadOnlyDictionary<string, object?> ToDictionary(IEnumerable<KeyValue> attributes)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (KeyValue pair in attributes)
        {
            result[pair.Key] = ToClr(pair.Value);
        }
        return result;
    }

    public static object? ToClr(AnyValue? value) => value?.ValueCase switch
    {
        null or AnyValue.ValueOneofCase.None => null,
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue,
        AnyValue.ValueOneofCase.IntValue => value.IntValue,
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue,
        AnyValue.ValueOneofCase.BytesValue => value.BytesValue.ToByteArray(),
        AnyValue.ValueOneofCase.ArrayValue => ToArray(value.ArrayValue.Values),
        AnyValue.ValueOneofCase.KvlistValue => ToDictionary(value.KvlistValue.Values),
        _ => throw new InvalidOperationException($"AnyValue case {value.ValueCase} is not known to the receiver"),
    };

    private static object?[] ToArray(RepeatedField<AnyValue> values) => values.Select(ToClr).ToArray();
}
