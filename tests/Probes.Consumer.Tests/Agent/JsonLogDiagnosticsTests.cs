using System.Text.Json;
using Probes.Consumer.Cli;

namespace Probes.Consumer.Tests.Agent;

[TestClass]
public sealed class JsonLogDiagnosticsTests
{
    private static readonly DateTime At = new(2026, 12, 7, 15, 4, 5, 678, DateTimeKind.Utc);

    [TestMethod]
    public void Each_event_is_one_json_line_with_time_level_and_message()
    {
        var error = new StringWriter();
        var log = new JsonLogDiagnostics(error, verbose: false, () => At);
        log.Note("agent serving http://127.0.0.1:9464/metrics");
        log.Warning("not attached to /x: refused");
        log.Detail("only with --verbose");

        string[] lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(2, lines);
        using JsonDocument first = JsonDocument.Parse(lines[0]);
        Assert.AreEqual("2026-12-07T15:04:05.678Z", first.RootElement.GetProperty("time").GetString());
        Assert.AreEqual("info", first.RootElement.GetProperty("level").GetString());
        Assert.AreEqual("agent serving http://127.0.0.1:9464/metrics", first.RootElement.GetProperty("msg").GetString());
        using JsonDocument second = JsonDocument.Parse(lines[1]);
        Assert.AreEqual("warning", second.RootElement.GetProperty("level").GetString());
    }

    [TestMethod]
    public void A_message_a_container_chose_stays_one_line_and_comes_back_whole()
    {
        const string hostile = "name\"}\n{\"level\":\"error\",\"msg\":\"forged\"}\r\u001b[2J\\";
        var error = new StringWriter();
        new JsonLogDiagnostics(error, verbose: true, () => At).Detail(hostile);

        string[] lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1, lines);
        using JsonDocument parsed = JsonDocument.Parse(lines[0]);
        Assert.AreEqual("debug", parsed.RootElement.GetProperty("level").GetString());
        Assert.AreEqual(hostile, parsed.RootElement.GetProperty("msg").GetString());
    }
}
