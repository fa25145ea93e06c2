using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Probes.Consumer.Output.Json;

/// <summary>
/// The one JSON policy of every document probes writes. Contracts are source-generated
/// (<see cref="OutputJsonContext"/>: no reflection, ready for Native AOT); the writer decides
/// indentation and escaping. Escaping is <see cref="TerminalSafeJsonEncoder"/>: quotes,
/// backslashes, every control character (ESC, newlines, C1) and the bidi overrides become
/// escapes, so a name a target chose cannot drive or reorder a terminal that shows the JSON,
/// while other non-ASCII text and <c>+&lt;&gt;&amp;</c> stay readable (no HTML is built from it).
/// </summary>
public static class OutputJson
{
    public static readonly JavaScriptEncoder Encoder = TerminalSafeJsonEncoder.Instance;

    public static Utf8JsonWriter Writer(Stream output, bool indented) =>
        new(output, new JsonWriterOptions { Indented = indented, Encoder = Encoder });

    /// <summary>One document, then a newline.</summary>
    public static void Write<T>(Stream output, T value, JsonTypeInfo<T> contract, bool indented = true)
    {
        using (Utf8JsonWriter json = Writer(output, indented))
        {
            JsonSerializer.Serialize(json, value, contract);
        }
        output.WriteByte((byte)'\n');
    }

    /// <summary>One indented document as text, with its closing newline, for a TextWriter.</summary>
    public static string Text<T>(T value, JsonTypeInfo<T> contract)
    {
        using var buffer = new MemoryStream();
        Write(buffer, value, contract);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
