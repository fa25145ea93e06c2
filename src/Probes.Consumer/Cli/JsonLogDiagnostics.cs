using System.Text;
using System.Text.Json;
using Probes.Consumer.Tracing;

namespace Probes.Consumer.Cli;

/// <summary>
/// <c>probes agent --log-format json</c>: every diagnostic as one JSON object on one line of
/// stderr, <c>{"time":"…Z","level":"info|warning|debug","msg":"…"}</c> (the field names log
/// collectors such as Loki, Fluent Bit and Vector pick up without configuration). Messages carry
/// container names and paths a container chose; the JSON writer escapes them, line feeds included,
/// so one event stays one line. Calls may come from several threads.
/// </summary>
public sealed class JsonLogDiagnostics(TextWriter error, bool verbose, Func<DateTime>? clock = null) : IDiagnosticSink
{
    private readonly Lock _gate = new();
    private readonly Func<DateTime> _clock = clock ?? (() => DateTime.UtcNow);

    public void Detail(string message)
    {
        if (verbose)
        {
            Write("debug", message);
        }
    }

    public void Note(string message) => Write("info", message);

    public void Warning(string message) => Write("warning", message);

    public void Write(string level, string message)
    {
        using var buffer = new MemoryStream(256 + message.Length);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("time", _clock().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("level", level);
            json.WriteString("msg", message);
            json.WriteEndObject();
        }
        string line = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        lock (_gate)
        {
            error.WriteLine(line);
            error.Flush();
        }
    }
}
